import type { Deps } from '../../deps.ts';
import type { WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client.ts';
import { decryptSecret } from '../../lib/crypto.ts';
import { newId } from '../../lib/ids.ts';
import { type AttemptOutcome, postWebhook } from './webhook-http.ts';
import { TRIGGER_NAMES } from './webhook-payload.ts';
import { signWebhook } from './webhook-signing.ts';
import { webhookDeliveryJob } from './webhooks.jobs.ts';

type DeliveryWithEndpoint = WebhookDelivery & { endpoint: WebhookEndpoint };

/**
 * Sends one attempt of a delivery and records it. `automaticAttempt` (1 = first, then retries) comes from the
 * job; a manual redelivery passes `manual`. Automatic attempts already recorded are not sent again, so a job
 * re-run after a crash between recording and completing does not double-send.
 */
export async function attemptDelivery(
  deps: Deps,
  options: { deliveryId: string; automaticAttempt: number } | { deliveryId: string; manual: true },
): Promise<DeliveryWithEndpoint | null> {
  const manual = 'manual' in options;
  const delivery = await deps.prisma.webhookDelivery.findUnique({ where: { id: options.deliveryId }, include: { endpoint: true } });
  if (!delivery) return null;
  if (!manual) {
    if (delivery.status !== 'PENDING') return delivery;
    const done = await deps.prisma.webhookAttempt.count({ where: { deliveryId: delivery.id, manual: false } });
    if (done >= options.automaticAttempt) return delivery;
    if (!delivery.endpoint.enabled) {
      return await deps.prisma.webhookDelivery.update({
        where: { id: delivery.id },
        data: { status: 'FAILED', nextAttemptAt: null },
        include: { endpoint: true },
      });
    }
  }

  const secret = decryptSecret(delivery.endpoint.secretCiphertext, deps.secretKey);
  const headers = signWebhook({ secret, body: delivery.payload, deliveryId: delivery.id, trigger: TRIGGER_NAMES[delivery.trigger] });
  const outcome = await postWebhook({
    url: delivery.endpoint.url,
    headers: { ...headers },
    body: delivery.payload,
    timeoutMs: deps.config.webhookTimeoutMs,
    allowPrivateTargets: deps.config.webhookAllowPrivateTargets,
  });
  return await recordAttempt(deps, { delivery, outcome, headers: { ...headers }, automaticAttempt: manual ? null : options.automaticAttempt });
}

async function recordAttempt(
  deps: Deps,
  options: { delivery: DeliveryWithEndpoint; outcome: AttemptOutcome; headers: Record<string, string>; automaticAttempt: number | null },
): Promise<DeliveryWithEndpoint> {
  const { delivery, outcome, automaticAttempt } = options;
  const delays = deps.config.webhookRetryDelaysMs;
  const retryIn = !outcome.succeeded && automaticAttempt !== null ? delays[automaticAttempt - 1] : undefined;

  const updated = await deps.jobs.transaction(async (tx) => {
    // The delivery's row lock orders concurrent recordings (a job re-run racing a manual redelivery).
    await tx.$queryRaw`SELECT id FROM webhook_deliveries WHERE id = ${delivery.id} FOR UPDATE`;
    const previous = await tx.webhookAttempt.findMany({ where: { deliveryId: delivery.id }, select: { attemptNumber: true, manual: true } });
    if (automaticAttempt !== null && previous.filter((a) => !a.manual).length >= automaticAttempt) {
      return await tx.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id }, include: { endpoint: true } });
    }
    await tx.webhookAttempt.create({
      data: {
        id: newId('webhookAttempt'),
        deliveryId: delivery.id,
        attemptNumber: previous.length + 1,
        manual: automaticAttempt === null,
        requestHeaders: options.headers,
        requestBody: delivery.payload,
        statusCode: outcome.statusCode,
        responseBody: outcome.responseBody,
        durationMs: outcome.durationMs,
        error: outcome.error,
        errorClass: outcome.errorClass,
      },
    });
    const status = outcome.succeeded
      ? 'SUCCEEDED'
      : retryIn !== undefined
        ? 'PENDING'
        : automaticAttempt !== null
          ? 'FAILED'
          : // A failed manual attempt changes nothing, unless no automatic attempt is left to settle the delivery.
            delivery.status === 'PENDING' && !delivery.nextAttemptAt
            ? 'FAILED'
            : delivery.status;
    if (retryIn !== undefined) {
      await deps.jobs.send(
        tx,
        webhookDeliveryJob,
        { deliveryId: delivery.id, automaticAttempt: (automaticAttempt ?? 0) + 1 },
        {
          startAfter: new Date(Date.now() + retryIn),
        },
      );
    }
    return await tx.webhookDelivery.update({
      where: { id: delivery.id },
      data: {
        status,
        attemptCount: previous.length + 1,
        nextAttemptAt: retryIn !== undefined ? new Date(Date.now() + retryIn) : status === 'PENDING' ? delivery.nextAttemptAt : null,
      },
      include: { endpoint: true },
    });
  });
  // Exactly on time in this process; pg-boss's polling picks the retry up if this process is gone by then.
  // (A few ms late, so the job is due when the worker looks.)
  if (retryIn !== undefined) deps.jobs.wakeIn(webhookDeliveryJob.name, retryIn + 20);
  return updated;
}
