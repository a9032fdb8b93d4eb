import { stringify } from 'csv-stringify/sync';
import type { Deps } from '../../deps.ts';
import type { Attendee } from '../../generated/prisma/client.ts';
import { type Actor, isTestMode, requireActor } from '../auth/actor.ts';
import { ticketContent } from '../qr/qr.service.ts';
import { findRegistrationEvent } from './registrations.service.ts';

const PAGE = 1_000;
/**
 * A cell that begins with = + - @ TAB or CR is prefixed with ' (OWASP's CSV injection advice, csv-stringify's
 * escape_formulas): what attendees typed into a public form must not run as a formula in the organiser's
 * spreadsheet.
 */
const CSV_OPTIONS = { escape_formulas: true } as const;
const COLUMNS = [
  'id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'country',
  'status',
  'ticket_type',
  'ticket_type_slug',
  'registration_source',
  'registered_at',
  'checked_in_at',
  'qr_token',
] as const;

/**
 * The event's attendees (the caller's mode) as CSV: documented columns, then one column per custom field
 * key; ISO 8601 times. Read a page at a time by keyset, so memory stays flat however large the event.
 */
export async function exportRegistrationsCsv(deps: Deps, options: { actor: Actor; eventId: string }): Promise<AsyncGenerator<string>> {
  const event = await findRegistrationEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  deps.audit.record(requireActor(options.actor), 'attendees.exported_csv', event.id);
  const testMode = options.actor.kind === 'apiKey' && isTestMode(options.actor);
  const keys = event.customFields.map((f) => f.key);
  return (async function* () {
    yield stringify([[...COLUMNS, ...keys]], CSV_OPTIONS);
    let after: string | null = null;
    for (;;) {
      const page: Array<Attendee & { ticketType: { name: string; slug: string } }> = await deps.prisma.attendee.findMany({
        where: { eventId: event.id, testMode, ...(after ? { id: { gt: after } } : {}) },
        include: { ticketType: { select: { name: true, slug: true } } },
        orderBy: { id: 'asc' },
        take: PAGE,
      });
      if (page.length === 0) return;
      yield stringify(
        page.map((a) => {
          const data = (a.customData ?? {}) as Record<string, unknown>;
          return [
            a.id,
            a.firstName,
            a.lastName,
            a.email,
            a.phone ?? '',
            a.country ?? '',
            a.status.toLowerCase(),
            a.ticketType.name,
            a.ticketType.slug,
            a.source.toLowerCase(),
            a.registeredAt.toISOString(),
            a.checkedInAt?.toISOString() ?? '',
            ticketContent(a),
            ...keys.map((k) => cellValue(data[k])),
          ];
        }),
        CSV_OPTIONS,
      );
      after = page.at(-1)?.id ?? null;
    }
  })();
}

function cellValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(';');
  return String(value);
}
