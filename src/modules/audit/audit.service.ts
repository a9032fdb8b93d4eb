import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../../db/prisma.ts';
import { poolSql, prismaSql, type Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { AuditEntry, Prisma } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { invalidCursor } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { parseInput } from '../../lib/validation.ts';
import { insertAudit } from './audit.sql.ts';

/** What the audit log records: reads and changes of personal data, and changes of settings and access. */
export const AUDIT_ACTIONS = [
  'attendee.read',
  'attendees.listed',
  'attendee.erased',
  'attendees.exported_csv',
  'attendees.imported',
  'personal_data.erased',
  'personal_data.exported',
  'retention.erased',
  'organisation.updated',
  'event.updated',
  'member.removed',
  'member.invited',
  'member.joined',
  'api_key.created',
  'api_key.revoked',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'attendee.status_changed',
  'attendee.updated',
  'attendee.check_in_undone',
  'quota.created',
  'quota.updated',
  'quota.deleted',
  'access_code.created',
  'access_code.updated',
  'access_code.deleted',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Who acted: a user (signed in, or accepting an invitation), an API key (named by its prefix, never its secret), or
 * the system itself. Every AuthenticatedActor is one.
 */
export type AuditActor =
  | { kind: 'user'; userId: string; organisationId: string; requestId?: string; clientRequestId?: string | null }
  | { kind: 'apiKey'; keyPrefix: string; organisationId: string; requestId?: string; clientRequestId?: string | null }
  | { kind: 'system'; organisationId: string };

export interface AuditRecord {
  id: string;
  organisationId: string;
  action: AuditAction;
  actorType: 'user' | 'api_key' | 'system';
  actorId: string | null;
  subjectId: string | null;
  /** Ours, always (the caller's X-Request-Id is never taken for it). */
  requestId: string | null;
  /** The caller's X-Request-Id, if any. */
  clientRequestId: string | null;
  /** What changed, never personal data: statuses, field names. */
  detail: AuditDetail | null;
  createdAt: Date;
}

export type AuditDetail = Record<string, string | number | boolean | string[] | null>;

export function auditRecord(actor: AuditActor, action: AuditAction, subjectId: string | null, detail: AuditDetail | null = null): AuditRecord {
  return {
    id: newId('auditEntry'),
    organisationId: actor.organisationId,
    action,
    actorType: actor.kind === 'user' ? 'user' : actor.kind === 'apiKey' ? 'api_key' : 'system',
    actorId: actor.kind === 'user' ? actor.userId : actor.kind === 'apiKey' ? actor.keyPrefix : null,
    subjectId,
    requestId: actor.kind === 'system' ? null : (actor.requestId ?? null),
    clientRequestId: actor.kind === 'system' ? null : (actor.clientRequestId ?? null),
    detail,
    createdAt: new Date(),
  };
}

/**
 * Writes entries in the caller's transaction: the entry exists if and only if what it records was committed.
 * For erasures, settings and access changes.
 */
export async function audit(sql: Sql, actor: AuditActor, action: AuditAction, subjectIds: ReadonlyArray<string | null>): Promise<void> {
  await insertAudit(
    sql,
    subjectIds.map((subjectId) => auditRecord(actor, action, subjectId)),
  );
}

/** The same with a Prisma transaction (or client). */
export async function auditWith(db: Db, actor: AuditActor, action: AuditAction, subjectIds: ReadonlyArray<string | null>): Promise<void> {
  await audit(prismaSql(db), actor, action, subjectIds);
}

/** One change to one subject, with what changed (an attendee's status: from, to), in the caller's transaction. */
export async function auditChange(db: Db, actor: AuditActor, action: AuditAction, subjectId: string, detail: AuditDetail): Promise<void> {
  await insertAudit(prismaSql(db), [auditRecord(actor, action, subjectId, detail)]);
}

/** Changes to several subjects (each with what changed), in the caller's plain-SQL transaction. */
export async function auditChanges(
  sql: Sql,
  actor: AuditActor,
  action: AuditAction,
  changes: ReadonlyArray<{ subjectId: string; detail: AuditDetail }>,
): Promise<void> {
  if (changes.length === 0) return;
  await insertAudit(
    sql,
    changes.map((c) => auditRecord(actor, action, c.subjectId, c.detail)),
  );
}

/**
 * Entries for reads (an attendee opened in the dashboard, a CSV export): collected in memory and written in one
 * statement every second or 500 entries (and on shutdown), so reading never waits for the audit log. A crash
 * loses at most the last second of read entries; changes are never audited this way.
 */
export class AuditWriter {
  readonly #pending: AuditRecord[] = [];
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    intervalMs = 1_000,
  ) {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  record(actor: AuditActor, action: AuditAction, subjectId: string | null): void {
    this.#pending.push(auditRecord(actor, action, subjectId));
    if (this.#pending.length >= 500) void this.flush();
  }

  /** Writes what is pending; resolves once it (and any flush before it) is in the database. */
  flush(): Promise<void> {
    const records = this.#pending.splice(0);
    this.#flushing = this.#flushing.then(async () => {
      try {
        await insertAudit(poolSql({ pool: this.pool }), records);
      } catch (error) {
        this.logger.error({ err: error, entries: records.length }, 'could not write audit entries');
      }
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

const AuditFilter = z.object({
  action: z.enum(AUDIT_ACTIONS).nullish(),
  actions: z.array(z.enum(AUDIT_ACTIONS)).max(AUDIT_ACTIONS.length).nullish(),
  subjectId: z.string().trim().min(1).max(200).nullish(),
});

/** One page of the organisation's audit log, newest first, optionally some actions or one subject. OWNER/ADMIN. */
export async function listAuditLog(
  deps: Deps,
  options: { actor: Actor; filters: unknown; query?: Omit<Prisma.AuditEntryFindManyArgs, 'where' | 'orderBy'> },
): Promise<AuditEntry[]> {
  const actor = authorize(options.actor, 'organisation:manage');
  const { action, actions, subjectId } = parseInput(AuditFilter, options.filters ?? {});
  const where: Prisma.AuditEntryWhereInput = {
    organisationId: actor.organisationId,
    ...(action || actions ? { action: { in: [...(action ? [action] : []), ...(actions ?? [])] } } : {}),
    ...(subjectId ? { subjectId } : {}),
  };
  const after = (options.query as { cursor?: { id?: string } } | undefined)?.cursor?.id;
  if (after && (await deps.prisma.auditEntry.count({ where: { ...where, id: after } })) === 0) throw invalidCursor();
  return await deps.prisma.auditEntry.findMany({ ...options.query, where, orderBy: { id: 'desc' } });
}

/** Deletes entries older than AUDIT_LOG_RETENTION_DAYS (the only deletion the log allows). */
export async function auditCleanup(deps: Pick<Deps, 'prisma' | 'config'>, now: Date): Promise<Record<string, number>> {
  const before = new Date(now.getTime() - deps.config.auditLogRetentionDays * 24 * 3_600_000);
  return { auditEntries: (await deps.prisma.auditEntry.deleteMany({ where: { createdAt: { lt: before } } })).count };
}
