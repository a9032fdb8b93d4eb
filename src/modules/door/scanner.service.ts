import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../../db/sql.ts';
import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Prisma, Scan } from '../../generated/prisma/client.ts';
import type { DeviceActor } from '../../lib/actor.ts';
import { type Actor, isTestMode } from '../../lib/actor.ts';
import { AppError, type FieldErrors, invalidCursor, invalidInput } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { COUNT_CAP } from '../../lib/pagination.ts';
import { checkInput, parseInput } from '../../lib/validation.ts';
import { type CachedEvent, findAuthorizedEvent, loadCachedEvent } from '../events/index.ts';
import { emitTriggers } from '../webhooks/index.ts';
import { applyDoorScans, type DoorDecision, type DoorScan, eventZones, publishDoorChanges } from './door.service.ts';
import {
  conflictingEntryScans,
  eventDevices,
  lockDevice,
  oldestRunningTransaction,
  readZoneOccupancy,
  revokedTicketCodes,
  scansByNonce,
  syncPage,
} from './door.sql.ts';
import { activeSigningKeys } from './ticket-codes.ts';

/** Attendees per sync page. */
export const SYNC_PAGE_SIZE = 5_000;
/** Scans per upload. */
export const MAX_UPLOAD_SCANS = 500;
/** A device clock this far ahead is tolerated; later scanned_at values are refused. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

interface SyncCursor {
  /** Rows written by transactions with ids from here on are (re)sent: anything older was committed and sent. */
  since: string;
  /** Within a round of pages: the last row sent. */
  after?: [string, string];
  /** The `since` of the next round, fixed when the round began. */
  next?: string;
}

/**
 * GET /v1/scanner/sync: what a door needs to decide offline, and the attendees changed since `cursor` in pages.
 *
 * Changes are ordered by the id of the transaction that wrote them (attendees.sync_txid, set by a trigger on every
 * write; deletions leave a tombstone). A round of pages starts by noting the oldest transaction still running;
 * the next round resends everything from that one on, so a transaction that commits late — with a smaller id than
 * rows already sent — is never skipped. The price is an occasional row sent twice; devices upsert by id.
 */
export async function syncDevice(deps: Deps, device: DeviceActor, rawCursor: string | undefined) {
  const event = await loadCachedEvent(deps, device.eventId);
  if (!event) throw new AppError('UNAUTHENTICATED', 'Invalid or revoked device token. Pair the device again.');
  const cursor = decodeCursor(rawCursor);
  const sql = poolSql(deps);
  const next = cursor.next ?? (await oldestRunningTransaction(sql));
  const rows = await syncPage(sql, { eventId: event.id, since: cursor.since, after: cursor.after ?? ['-1', ''], limit: SYNC_PAGE_SIZE + 1 });
  const hasMore = rows.length > SYNC_PAGE_SIZE;
  const page = rows.slice(0, SYNC_PAGE_SIZE);
  const last = page.at(-1);
  const nextCursor: SyncCursor = hasMore && last ? { since: cursor.since, after: [last.txid, last.id], next } : { since: next };
  const ticketTypes = new Map(event.ticketTypes.map((t) => [t.id, t]));

  const [zones, keys, revoked, devices] = await Promise.all([
    readZoneOccupancy(sql, event.id),
    activeSigningKeys(deps, event.organisationId),
    revokedTicketCodes(sql, event.id),
    eventDevices(sql, event.id),
  ]);
  return {
    event: {
      id: event.id,
      name: event.name,
      starts_at: event.startsAt.toISOString(),
      ends_at: event.endsAt.toISOString(),
      timezone: event.timezone,
      venue: event.venue,
      ticket_codes: event.ticketCodes.toLowerCase(),
    },
    device: { id: device.deviceId, zone_id: device.zoneId },
    devices: devices.map((d) => ({ id: d.id, name: d.name })),
    zones: zones.map((z) => ({ id: z.zoneId, name: z.name, capacity: z.capacity, inside_now: z.insideNow })),
    ticket_types: event.ticketTypes.map((t) => ({ id: t.id, slug: t.slug, name: t.name })),
    signing_keys: keys.map((k) => ({ kid: k.id, alg: 'Ed25519', public_key: k.publicKey })),
    revoked_codes: revoked,
    attendees: page.map((a) =>
      a.deleted
        ? { id: a.id, deleted: true }
        : {
            id: a.id,
            token_sha256: sha256(a.ticket_code ?? a.qr_token ?? ''),
            first_name: a.first_name,
            last_name: a.last_name,
            ticket_type: ticketTypes.get(a.ticket_type_id ?? '')?.name ?? null,
            status: a.status?.toLowerCase() ?? null,
            checked_in_at: a.checked_in_at?.toISOString() ?? null,
            zone_id: a.current_zone_id,
            deleted: false,
          },
    ),
    cursor: Buffer.from(JSON.stringify(nextCursor)).toString('base64url'),
    has_more: hasMore,
  };
}

function decodeCursor(raw: string | undefined): SyncCursor {
  if (!raw) return { since: '0' };
  const invalid = () => invalidInput({ cursor: ['The cursor is invalid. Start again without one.'] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const digits = z.string().regex(/^\d{1,19}$/);
  const result = z.strictObject({ since: digits, after: z.tuple([digits, z.string().max(64)]).optional(), next: digits.optional() }).safeParse(parsed);
  if (!result.success) throw invalid();
  return result.data;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

const UploadedScan = z
  .strictObject({
    nonce: z.string().trim().min(1).max(100),
    qr_token: z.string().trim().min(1).max(1_000).nullish(),
    /** Instead of qr_token: door staff found the attendee by name in the synced list. */
    attendee_id: z.string().trim().min(1).max(64).nullish(),
    scanned_at: z.iso.datetime({ offset: true, message: 'The :attribute field must be a valid ISO 8601 date and time.' }),
    zone_id: z.string().trim().min(1).max(64).nullish(),
    direction: z.enum(['in', 'out']).nullish(),
    offline: z.boolean().nullish(),
    /** What the device decided offline; without it an offline scan counts as let in. */
    local_outcome: z.enum(['accepted', 'duplicate', 'rejected']).nullish(),
  })
  .refine((scan) => Boolean(scan.qr_token) !== Boolean(scan.attendee_id), {
    message: 'The qr token field is required (or, for a scan by name, attendee_id instead).',
    path: ['qr_token'],
  });
const UploadInput = z.strictObject({ scans: z.array(z.unknown()).min(1).max(MAX_UPLOAD_SCANS) });

export interface UploadResult {
  nonce: string;
  outcome: 'accepted' | 'duplicate' | 'rejected';
  reason: string | null;
  attendee_id: string | null;
  first_scan: { scanned_at: string; device_id: string | null } | null;
}

/**
 * POST /v1/scanner/scans: a device's queued scans, applied in the order given, each answered. Idempotent per
 * device and nonce: a scan already uploaded gets its stored answer (the same nonce with other content is refused).
 * A malformed upload is refused whole (422 naming `scans.<index>.<field>`), nothing written. The device's uploads
 * queue on its row, so a retry racing the original waits and then gets the stored answers.
 */
export async function uploadScans(deps: Deps, device: DeviceActor, body: unknown): Promise<{ results: UploadResult[] }> {
  const event = await loadCachedEvent(deps, device.eventId);
  if (!event) throw new AppError('UNAUTHENTICATED', 'Invalid or revoked device token. Pair the device again.');
  const { scans, hashes } = validateUpload(body, deps.clock.nowMs());

  const { results, decisions } = await deps.db.sqlTransaction(async (sql) => {
    await lockDevice(sql, device.deviceId);
    const zones = await eventZones(sql, event.id);
    const errors: FieldErrors = {};
    scans.forEach((scan, i) => {
      const zoneId = scan.zone_id ? parseId('zone', scan.zone_id) : null;
      if (scan.zone_id && (!zoneId || !zones.has(zoneId))) errors[`scans.${i}.zone_id`] = ['The selected zone id is invalid.'];
    });
    const stored = await storedScans(
      sql,
      device.deviceId,
      scans.map((s) => s.nonce),
    );
    scans.forEach((scan, i) => {
      const earlier = stored.get(scan.nonce);
      const sameInUpload = scans.findIndex((s) => s.nonce === scan.nonce);
      if ((earlier && earlier.payloadHash !== hashes[i]) || (sameInUpload < i && hashes[sameInUpload] !== hashes[i])) {
        errors[`scans.${i}.nonce`] = ['This nonce was already used for another scan.'];
      }
    });
    if (Object.keys(errors).length > 0) throw invalidInput(errors);

    // New scans (first occurrence of each nonce not stored yet) go through the door; the rest are replays.
    const fresh = scans.flatMap((scan, i): Array<DoorScan & { index: number }> => {
      if (stored.has(scan.nonce) || scans.findIndex((s) => s.nonce === scan.nonce) < i) return [];
      return [
        {
          index: i,
          code: scan.qr_token ?? null,
          attendeeId: scan.attendee_id ? (parseId('attendee', scan.attendee_id) ?? '') : null,
          zoneId: scan.zone_id ? parseId('zone', scan.zone_id) : device.zoneId,
          direction: scan.direction === 'out' ? 'OUT' : 'IN',
          scannedAt: new Date(scan.scanned_at),
          deviceId: device.deviceId,
          nonce: scan.nonce,
          payloadHash: hashes[i]!,
          offline: scan.offline ?? false,
          deviceOutcome: scan.local_outcome ?? null,
        },
      ];
    });
    const context = { organisationId: device.organisationId, testMode: false, event, source: 'device' as const };
    const decisions = await applyDoorScans(deps, sql, context, fresh, zones);
    const byNonce = new Map<string, UploadResult>();
    for (const [nonce, row] of stored) byNonce.set(nonce, resultOf(nonce, row));
    fresh.forEach((scan, j) => {
      const d = decisions[j]!;
      byNonce.set(scan.nonce!, {
        nonce: scan.nonce!,
        outcome: d.outcome.toLowerCase() as UploadResult['outcome'],
        reason: d.reason,
        attendee_id: d.attendee?.id ?? null,
        first_scan: d.firstScan ? { scanned_at: d.firstScan.scannedAt.toISOString(), device_id: d.firstScan.deviceId } : null,
      });
    });
    await emitConflicts(deps, sql, event, fresh, decisions);
    return { results: scans.map((scan) => byNonce.get(scan.nonce)!), decisions };
  });
  await publishDoorChanges(deps, event, decisions);
  return { results };
}

function validateUpload(body: unknown, now: number) {
  const outer = checkInput(UploadInput, body);
  if (!outer.success) throw invalidInput(outer.errors);
  const errors: FieldErrors = {};
  const scans: Array<z.output<typeof UploadedScan>> = [];
  const latest = now + FUTURE_TOLERANCE_MS;
  outer.data.scans.forEach((raw, i) => {
    const parsed = checkInput(UploadedScan, raw);
    if (!parsed.success) {
      for (const [field, messages] of Object.entries(parsed.errors)) errors[`scans.${i}.${field}`] = messages;
      return;
    }
    if (Date.parse(parsed.data.scanned_at) > latest) errors[`scans.${i}.scanned_at`] = ['The scanned at field must not be in the future.'];
    scans.push(parsed.data);
  });
  if (Object.keys(errors).length > 0) throw invalidInput(errors);
  // What makes "the same scan": its content, whatever the key order or spacing it was sent with.
  const hashes = scans.map((s) =>
    sha256(
      JSON.stringify([
        s.nonce,
        s.qr_token ?? null,
        s.attendee_id ?? null,
        new Date(s.scanned_at).toISOString(),
        s.zone_id ?? null,
        s.direction ?? 'in',
        s.offline ?? false,
        s.local_outcome ?? null,
      ]),
    ),
  );
  return { scans, hashes };
}

interface StoredScan {
  payloadHash: string | null;
  outcome: string;
  reason: string | null;
  attendeeId: string | null;
  firstScanAt: Date | null;
  firstScanDeviceId: string | null;
}

async function storedScans(sql: Sql, deviceId: string, nonces: string[]): Promise<Map<string, StoredScan>> {
  const rows = await scansByNonce(sql, deviceId, [...new Set(nonces)]);
  return new Map(
    rows.map((r) => [
      r.nonce,
      {
        payloadHash: r.payload_hash,
        outcome: r.outcome,
        reason: r.reason,
        attendeeId: r.attendee_id,
        firstScanAt: r.first_scan_at,
        firstScanDeviceId: r.first_scan_device_id,
      },
    ]),
  );
}

function resultOf(nonce: string, row: StoredScan): UploadResult {
  return {
    nonce,
    outcome: row.outcome.toLowerCase() as UploadResult['outcome'],
    reason: row.reason,
    attendee_id: row.attendeeId,
    first_scan: row.firstScanAt ? { scanned_at: row.firstScanAt.toISOString(), device_id: row.firstScanDeviceId } : null,
  };
}

/** A ticket let in offline although it had already been used: attendee.scan_conflict, for endpoints that opted in. */
async function emitConflicts(deps: Deps, sql: Sql, event: CachedEvent, scans: DoorScan[], decisions: DoorDecision[]): Promise<void> {
  const conflicted = new Map<string, NonNullable<DoorDecision['attendee']>>();
  decisions.forEach((d, i) => {
    if (letInOffline(scans[i]!) && isEntryConflict(d.outcome, d.reason) && d.attendee) conflicted.set(d.attendee.id, d.attendee);
  });
  await emitTriggers(
    deps,
    sql,
    [...conflicted.values()].map((attendee) => ({ trigger: 'ATTENDEE_SCAN_CONFLICT' as const, attendee, event, ticketType: attendee.ticketType })),
  );
}

/** A scan the device let through without the network (one that does not say what it decided was let in). */
function letInOffline(scan: DoorScan): boolean {
  return scan.offline && (scan.deviceOutcome ?? 'accepted') === 'accepted';
}

function isEntryConflict(outcome: string, reason: string | null): boolean {
  return outcome === 'DUPLICATE' && (reason === 'already_checked_in' || reason === 'already_inside');
}

/** The copied-ticket report of one event, for a dashboard or an API key (in the caller's mode). */
export async function listScanConflicts(deps: Deps, options: { actor: Actor; eventId: string }): Promise<ScanConflict[]> {
  const { event, actor } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  return await readScanConflicts(deps, { event, testMode: isTestMode(actor) });
}

export interface ScanConflict {
  attendeeId: string;
  scans: Array<{ scanId: string; deviceId: string | null; scannedAt: Date; outcome: string; offline: boolean }>;
}

/**
 * The copied-ticket report: tickets let in offline although already used — accepted offline by two devices, or
 * twice by one, or offline after an online entry. Each lists every entry scan of the ticket (accepted or
 * duplicate), oldest first.
 */
async function readScanConflicts(deps: Deps, options: { event: { id: string }; testMode: boolean }): Promise<ScanConflict[]> {
  const rows = await conflictingEntryScans(poolSql(deps), options.event.id, options.testMode);
  const conflicts = new Map<string, ScanConflict>();
  for (const r of rows) {
    let conflict = conflicts.get(r.attendee_id);
    if (!conflict) {
      conflict = { attendeeId: r.attendee_id, scans: [] };
      conflicts.set(r.attendee_id, conflict);
    }
    conflict.scans.push({ scanId: r.id, deviceId: r.device_id, scannedAt: r.scanned_at, outcome: r.outcome, offline: r.offline });
  }
  return [...conflicts.values()];
}

const ScanFilters = z.strictObject({ outcome: z.enum(['ACCEPTED', 'DUPLICATE', 'REJECTED']).nullish() });

/** The event's scan log, newest first (what the actor's mode sees: live for sessions and live keys). */
export async function listScans(
  deps: Deps,
  options: { actor: Actor; eventId: string; filters?: unknown; query?: Omit<Prisma.ScanFindManyArgs, 'where' | 'orderBy'> },
): Promise<Scan[]> {
  const { event, actor } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const where = scanWhere(event.id, isTestMode(actor), options.filters);
  const after = (options.query as { cursor?: { id?: string } } | undefined)?.cursor?.id;
  if (after && (await deps.prisma.scan.count({ where: { ...where, id: after } })) === 0) throw invalidCursor();
  return await deps.prisma.scan.findMany({ ...options.query, where, orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }] });
}

export async function countScans(deps: Deps, options: { actor: Actor; eventId: string; filters?: unknown }): Promise<number> {
  const { event, actor } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  return await deps.prisma.scan.count({ where: scanWhere(event.id, isTestMode(actor), options.filters), take: COUNT_CAP });
}

function scanWhere(eventId: string, testMode: boolean, rawFilters: unknown): Prisma.ScanWhereInput {
  const filters = parseInput(ScanFilters, rawFilters ?? {});
  return { eventId, testMode, ...(filters.outcome ? { outcome: filters.outcome } : {}) };
}
