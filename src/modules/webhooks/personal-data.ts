import type { PersonalDataHook } from '../../lib/personal-data.ts';
import { redactJsonText } from '../../lib/redaction.ts';
import { lockDeliveriesNaming, redactDeliveries } from './personal-data.sql.ts';

/** Webhook deliveries about a person: exported with their payloads as sent; erased by redacting payloads and attempts. */
export const webhooksPersonalData: PersonalDataHook = {
  async erase(_deps, sql, subject) {
    const deliveries = await lockDeliveriesNaming(sql, subject);
    if (deliveries.length > 0)
      await redactDeliveries(
        sql,
        deliveries.map((d) => ({ id: d.id, payload: redactJsonText(d.payload, subject.targets) })),
      );
    return undefined;
  },
  async export(deps, subject) {
    const deliveries = await deps.prisma.webhookDelivery.findMany({
      where: { attendeeId: { in: [...subject.attendeeIds] }, endpoint: { organisationId: subject.organisationId } },
      include: { endpoint: { select: { url: true } } },
      orderBy: { createdAt: 'asc' },
    });
    return {
      webhookDeliveries: deliveries.map((d) => ({
        id: d.id,
        attendeeId: d.attendeeId,
        endpointUrl: d.endpoint.url,
        trigger: d.trigger,
        status: d.status,
        createdAt: d.createdAt.toISOString(),
        payload: jsonOrText(d.payload),
      })),
    };
  },
};

/** Parsed when it is JSON (webhook payloads are), else the text. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
