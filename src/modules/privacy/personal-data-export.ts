import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { emailHash } from '../../lib/redaction.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditWith } from '../audit/index.ts';
import { EmailSchema } from '../auth/index.ts';

const ExportInput = z.strictObject({ email: EmailSchema });

/**
 * A data-subject access request: every record the organisation holds on the person with this email (any case,
 * live and test): their registrations with answers (labelled), the scans of their tickets, the emails sent to
 * them and the webhook deliveries about them, with the payloads as sent. OWNER/ADMIN; audited (the email by its
 * keyed hash).
 */
export async function exportPersonalData(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Record<string, unknown>> {
  const actor = authorize(options.actor, 'attendees:manage');
  const { email } = parseInput(ExportInput, options.input);
  const events = await deps.prisma.event.findMany({ where: { organisationId: actor.organisationId }, select: { id: true } });
  const attendees = await deps.prisma.attendee.findMany({
    where: { eventId: { in: events.map((e) => e.id) }, emailNormalized: email, organisationId: actor.organisationId },
    include: {
      event: { select: { id: true, name: true, startsAt: true, customFields: { select: { key: true, label: true }, orderBy: { position: 'asc' } } } },
      ticketType: { select: { name: true, slug: true } },
      scans: { orderBy: { scannedAt: 'asc' }, include: { zone: { select: { name: true } }, device: { select: { name: true } } } },
    },
    orderBy: { registeredAt: 'asc' },
  });
  // Every other feature's records of them (emails sent, webhook deliveries…), each a section of the export.
  const subject = { organisationId: actor.organisationId, email, attendeeIds: attendees.map((a) => a.id) };
  const sections = await Promise.all(deps.personalData.map((hook) => hook.export?.(deps, subject)));
  await auditWith(deps.prisma, actor, 'personal_data.exported', [emailHash(deps.secretKey, email)]);
  return {
    email,
    organisationId: actor.organisationId,
    generatedAt: new Date().toISOString(),
    attendees: attendees.map((a) => ({
      id: a.id,
      event: { id: a.event.id, name: a.event.name, startsAt: a.event.startsAt.toISOString() },
      ticketType: a.ticketType.name,
      firstName: a.firstName,
      lastName: a.lastName,
      email: a.email,
      phone: a.phone,
      country: a.country,
      status: a.status,
      source: a.source,
      testMode: a.testMode,
      registeredAt: a.registeredAt.toISOString(),
      checkedInAt: a.checkedInAt?.toISOString() ?? null,
      erasedAt: a.erasedAt?.toISOString() ?? null,
      answers: Object.entries((a.customData ?? {}) as Record<string, unknown>).map(([key, value]) => ({
        key,
        label: a.event.customFields.find((f) => f.key === key)?.label ?? key,
        value,
      })),
      scans: a.scans.map((s) => ({
        id: s.id,
        scannedAt: s.scannedAt.toISOString(),
        direction: s.direction,
        outcome: s.outcome,
        reason: s.reason,
        zone: s.zone?.name ?? null,
        device: s.device?.name ?? null,
        source: s.source,
        offline: s.offline,
      })),
    })),
    ...Object.assign({}, ...sections),
  };
}
