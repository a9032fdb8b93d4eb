import type { Deps } from '../../deps.ts';

/** Webhook deliveries and their attempts older than WEBHOOK_LOG_RETENTION_DAYS; one still pending is kept. */
export async function webhooksCleanup(deps: Deps, now: Date): Promise<Record<string, number>> {
  const before = new Date(now.getTime() - deps.config.webhookLogRetentionDays * 24 * 3_600_000);
  const attempts = await deps.prisma.webhookAttempt.deleteMany({ where: { createdAt: { lt: before }, delivery: { status: { not: 'PENDING' } } } });
  const deliveries = await deps.prisma.webhookDelivery.deleteMany({ where: { createdAt: { lt: before }, status: { not: 'PENDING' } } });
  return { webhookDeliveries: deliveries.count, webhookAttempts: attempts.count };
}
