import type { Deps } from '../../deps.ts';
import { type Actor, type AuthenticatedActor, authorize, can, isTestMode, type Permission, requireActor } from '../../lib/actor.ts';
import { type AppError, invalidInput } from '../../lib/errors.ts';
import { type IdKind, parseId } from '../../lib/ids.ts';

type Row = { id: string };
type Finder = (deps: Deps, actor: AuthenticatedActor, ids: string[]) => Promise<Row[]>;

/**
 * Who may look up each kind of object by id, and where it is visible: always the caller's organisation (an
 * API key: its own mode's attendees), so another organisation's id reads as null, exactly like a missing one.
 * A role lacking the kind's permission gets FORBIDDEN for it (that says nothing about any id).
 */
const NODE_KINDS: Partial<Record<IdKind, { permission: Permission | null; find: Finder }>> = {
  organisation: {
    permission: null,
    find: (deps, actor, ids) => deps.prisma.organisation.findMany({ where: { id: { in: ids.filter((id) => id === actor.organisationId) } } }),
  },
  user: {
    permission: null,
    // Oneself; the organisation's members for those who manage members (the members list shows them too).
    find: (deps, actor, ids) =>
      deps.prisma.user.findMany({
        where: {
          id: { in: ids },
          OR: [
            ...(actor.kind === 'user' ? [{ id: actor.userId }] : []),
            ...(can(actor, 'members:manage') ? [{ memberships: { some: { organisationId: actor.organisationId } } }] : []),
          ],
        },
      }),
  },
  event: {
    permission: 'events:read',
    find: (deps, actor, ids) => deps.prisma.event.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId } }),
  },
  ticketType: {
    permission: 'events:read',
    find: (deps, actor, ids) => deps.prisma.ticketType.findMany({ where: { id: { in: ids }, event: { organisationId: actor.organisationId } } }),
  },
  customField: {
    permission: 'events:read',
    find: (deps, actor, ids) => deps.prisma.customField.findMany({ where: { id: { in: ids }, event: { organisationId: actor.organisationId } } }),
  },
  attendee: {
    permission: 'attendees:read',
    find: async (deps, actor, ids) => {
      const rows = await deps.prisma.attendee.findMany({
        where: { id: { in: ids }, organisationId: actor.organisationId, ...(actor.kind === 'apiKey' ? { testMode: isTestMode(actor) } : {}) },
      });
      // As getAttendee: a dashboard user's read of someone's record is audited.
      if (actor.kind === 'user') for (const row of rows) deps.audit.record(actor, 'attendee.read', row.id);
      return rows;
    },
  },
  apiKey: {
    permission: 'api-keys:manage',
    find: (deps, actor, ids) => deps.prisma.apiKey.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId } }),
  },
  webhookEndpoint: {
    permission: 'webhooks:manage',
    find: (deps, actor, ids) => deps.prisma.webhookEndpoint.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId } }),
  },
  webhookDelivery: {
    permission: 'webhooks:manage',
    find: (deps, actor, ids) => deps.prisma.webhookDelivery.findMany({ where: { id: { in: ids }, endpoint: { organisationId: actor.organisationId } } }),
  },
  webhookAttempt: {
    permission: 'webhooks:manage',
    find: (deps, actor, ids) =>
      deps.prisma.webhookAttempt.findMany({ where: { id: { in: ids }, delivery: { endpoint: { organisationId: actor.organisationId } } } }),
  },
  membership: {
    permission: 'members:manage',
    find: (deps, actor, ids) => deps.prisma.membership.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId } }),
  },
  invitation: {
    permission: 'members:manage',
    find: (deps, actor, ids) => deps.prisma.invitation.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId } }),
  },
  session: {
    permission: null,
    // One's own sessions only, as `sessions` lists them.
    find: async (deps, actor, ids) =>
      actor.kind !== 'user'
        ? []
        : (
            await deps.prisma.session.findMany({
              where: { id: { in: ids }, userId: actor.userId, expiresAt: { gt: deps.clock.now() } },
              select: { id: true, createdAt: true, lastUsedAt: true, expiresAt: true, organisationId: true },
            })
          ).map((s) => ({ ...s, current: s.id === actor.sessionId })),
  },
  zone: {
    permission: 'events:read',
    find: (deps, actor, ids) => deps.prisma.zone.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId } }),
  },
  scan: {
    permission: 'attendees:read',
    find: (deps, actor, ids) => deps.prisma.scan.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId, testMode: isTestMode(actor) } }),
  },
  scannerDevice: {
    permission: 'door:manage',
    find: (deps, actor, ids) => deps.prisma.scannerDevice.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId } }),
  },
  emailLog: {
    permission: 'events:write',
    find: (deps, actor, ids) => deps.prisma.emailLog.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId } }),
  },
  importJob: {
    permission: 'attendees:manage',
    // Without the uploaded file (up to 10 MB a job).
    find: (deps, actor, ids) => deps.prisma.importJob.findMany({ where: { id: { in: ids }, organisationId: actor.organisationId }, omit: { csv: true } }),
  },
};

export const MAX_NODE_IDS = 100;

/**
 * The objects behind TypeIDs, in the order asked: the object, null (unknown, malformed, another organisation's,
 * another mode's) or the FORBIDDEN error of a kind the caller's role may not read. One statement per kind.
 */
export async function findNodes(deps: Deps, options: { actor: Actor; ids: readonly string[]; kindOf: (id: string) => IdKind | null }) {
  const actor = requireActor(options.actor);
  if (options.ids.length > MAX_NODE_IDS) throw invalidInput({ ids: [`The ids field must not have more than ${MAX_NODE_IDS} items.`] });
  const wanted = new Map<IdKind, Set<string>>();
  const asked = options.ids.map((raw) => {
    const kind = options.kindOf(raw);
    const id = kind && NODE_KINDS[kind] ? parseId(kind, raw) : null;
    if (kind && id) wanted.set(kind, (wanted.get(kind) ?? new Set()).add(id));
    return { kind, id };
  });
  const found = new Map<string, Row | AppError>();
  await Promise.all(
    [...wanted].map(async ([kind, ids]) => {
      const { permission, find } = NODE_KINDS[kind]!;
      try {
        if (permission) authorize(actor, permission);
      } catch (error) {
        for (const id of ids) found.set(id, error as AppError);
        return;
      }
      for (const row of await find(deps, actor, [...ids])) found.set(row.id, row);
    }),
  );
  return asked.map(({ id }) => (id ? (found.get(id) ?? null) : null));
}
