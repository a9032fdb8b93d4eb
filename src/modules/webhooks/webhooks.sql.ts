import type { Sql } from '../../db/sql.ts';
import type { DeliveryStatus, WebhookTrigger } from '../../generated/prisma/client.ts';
import type { WebhookTriggerEnum } from './webhook-payload.ts';

/**
 * The delivery engine's SQL (src/modules/webhooks/delivery-engine.ts). The deliveries table is the queue: a
 * PENDING delivery is due at next_attempt_at, a lease marks an attempt in flight. Explicit columns only.
 */

export interface ClaimableEndpoint {
  id: string;
  rate_limit_per_second: number | null;
  rate_window_start: Date | null;
  rate_window_count: number;
  /** Its last attempt failed: no batching beyond the concurrency limit. */
  failing: boolean;
}

/**
 * Locks the enabled, unpaused endpoints that have due work, skipping any another claimer holds: while one
 * process decides how many attempts an endpoint may start, no other process decides for that endpoint, so
 * the concurrency limit holds across processes. The endpoints with pending deliveries are found by a skip scan
 * of the pending index (one probe per endpoint, however long each one's backlog), so a huge backlog of one
 * endpoint never hides another endpoint's work. The lock is NO KEY UPDATE: a registration writing a delivery takes
 * KEY SHARE on its endpoint (the foreign key) and must not wait for a claim.
 */
export async function lockEndpointsWithDueWork(sql: Sql, options: { maxAutomatic: number; limit: number }): Promise<ClaimableEndpoint[]> {
  return await sql.query<ClaimableEndpoint>(
    `WITH RECURSIVE pending AS (
       (SELECT endpoint_id FROM webhook_deliveries WHERE status = 'PENDING' ORDER BY endpoint_id LIMIT 1)
       UNION ALL
       SELECT (SELECT d.endpoint_id FROM webhook_deliveries d WHERE d.status = 'PENDING' AND d.endpoint_id > p.endpoint_id ORDER BY d.endpoint_id LIMIT 1)
       FROM pending p WHERE p.endpoint_id IS NOT NULL
     ),
     replays AS (
       (SELECT endpoint_id FROM webhook_deliveries WHERE replay_requested_at IS NOT NULL ORDER BY endpoint_id LIMIT 1)
       UNION ALL
       SELECT (SELECT d.endpoint_id FROM webhook_deliveries d WHERE d.replay_requested_at IS NOT NULL AND d.endpoint_id > r.endpoint_id ORDER BY d.endpoint_id LIMIT 1)
       FROM replays r WHERE r.endpoint_id IS NOT NULL
     ),
     candidates AS (
       SELECT endpoint_id FROM pending WHERE endpoint_id IS NOT NULL
       UNION
       SELECT endpoint_id FROM replays WHERE endpoint_id IS NOT NULL
     )
     SELECT e.id, e.rate_limit_per_second, e.rate_window_start, e.rate_window_count, e.failing_since IS NOT NULL AS failing
     FROM webhook_endpoints e JOIN candidates c ON c.endpoint_id = e.id
     -- One probe per endpoint (a LATERAL with LIMIT is never turned into a hash of every due delivery).
     CROSS JOIN LATERAL (
       (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'PENDING' AND d.next_attempt_at <= now()
          AND d.automatic_attempts < $1 AND (d.lease_until IS NULL OR d.lease_until < now()) LIMIT 1)
       UNION ALL
       (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.replay_requested_at IS NOT NULL
          AND (d.lease_until IS NULL OR d.lease_until < now()) LIMIT 1)
       LIMIT 1
     ) due
     WHERE e.enabled AND (e.paused_until IS NULL OR e.paused_until <= now())
     ORDER BY e.id
     LIMIT $2
     FOR NO KEY UPDATE OF e SKIP LOCKED`,
    [options.maxAutomatic, options.limit],
  );
}

/** Leases held on each endpoint's deliveries now: all of them, and those of `owner` (this process). */
export async function leasesByEndpoint(sql: Sql, endpointIds: string[], owner: string): Promise<Map<string, { all: number; mine: number }>> {
  const rows = await sql.query<{ endpoint_id: string; all: number; mine: number }>(
    `SELECT endpoint_id, count(*)::int AS all, count(*) FILTER (WHERE starts_with(lease_token, $2))::int AS mine FROM webhook_deliveries
     WHERE endpoint_id = ANY($1::text[]) AND lease_until > now() GROUP BY endpoint_id`,
    [endpointIds, owner],
  );
  return new Map(rows.map((r) => [r.endpoint_id, { all: r.all, mine: r.mine }]));
}

export interface LeasedDelivery {
  id: string;
  endpoint_id: string;
  trigger: WebhookTrigger;
  payload: string;
  attempt_count: number;
  automatic_attempts: number;
  manual: boolean;
  url: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  secret_overlap_ends_at: Date | null;
}

/**
 * Leases up to `allowance` due deliveries of each endpoint (replays first, then oldest due) and counts the attempt
 * on the delivery. No row locks are needed to pick them: the caller holds the endpoints' locks, and only a claim
 * (under that lock) leases. A lease outlives one attempt's timeout; the process holding it renews it while the
 * attempt waits for a lane (extendLeases), so a process that dies frees its batch within one lease. Returns them with what sending needs.
 */
export async function leaseDeliveries(
  sql: Sql,
  options: {
    endpointIds: string[];
    allowances: number[];
    maxAutomatic: number;
    leaseMs: number;
    token: string;
  },
): Promise<LeasedDelivery[]> {
  return await sql.query<LeasedDelivery>(
    `WITH allowance AS (SELECT * FROM unnest($1::text[], $2::int[]) AS a(endpoint_id, n)),
     picked AS (
       SELECT p.id, p.manual, a.n, row_number() OVER (PARTITION BY a.endpoint_id ORDER BY p.manual DESC, p.due, p.id) AS rank
       FROM allowance a CROSS JOIN LATERAL (
         (SELECT d.id, true AS manual, d.replay_requested_at AS due FROM webhook_deliveries d
          WHERE d.endpoint_id = a.endpoint_id AND d.replay_requested_at IS NOT NULL AND (d.lease_until IS NULL OR d.lease_until < now())
          ORDER BY d.replay_requested_at LIMIT a.n)
         UNION ALL
         (SELECT d.id, false AS manual, d.next_attempt_at AS due FROM webhook_deliveries d
          WHERE d.endpoint_id = a.endpoint_id AND d.status = 'PENDING' AND d.next_attempt_at <= now() AND d.automatic_attempts < $3
            AND d.replay_requested_at IS NULL AND (d.lease_until IS NULL OR d.lease_until < now())
          ORDER BY d.next_attempt_at LIMIT a.n)
       ) p
     ),
     limited AS (SELECT id, manual FROM picked WHERE rank <= n)
     UPDATE webhook_deliveries d SET
       lease_until = now() + make_interval(secs => $4::double precision / 1000),
       lease_token = $5,
       attempt_count = d.attempt_count + 1,
       automatic_attempts = d.automatic_attempts + CASE WHEN l.manual THEN 0 ELSE 1 END,
       replay_requested_at = NULL,
       updated_at = now()
     FROM limited l, webhook_endpoints e
     WHERE d.id = l.id AND e.id = d.endpoint_id
     RETURNING d.id, d.endpoint_id, d.trigger, d.payload, d.attempt_count, d.automatic_attempts, l.manual,
       e.url, e.secret_ciphertext, e.previous_secret_ciphertext, e.secret_overlap_ends_at`,
    [options.endpointIds, options.allowances, options.maxAutomatic, options.leaseMs, options.token],
  );
}

/**
 * Renews the leases a live process holds (attempts waiting in its lanes or in flight). Like every statement that
 * locks deliveries it takes them in id order, and it skips one locked right now (its outcome is being recorded,
 * which ends the lease anyway): unordered, it deadlocked against recordAttempts' `ORDER BY id FOR NO KEY UPDATE`.
 */
export async function extendLeases(sql: Sql, owner: string, leaseMs: number): Promise<void> {
  await sql.query(
    `UPDATE webhook_deliveries d SET lease_until = now() + make_interval(secs => $2::double precision / 1000)
     FROM (
       SELECT id FROM webhook_deliveries WHERE lease_until > now() AND starts_with(lease_token, $1)
       ORDER BY id FOR NO KEY UPDATE SKIP LOCKED
     ) held
     WHERE d.id = held.id`,
    [owner, leaseMs],
  );
}

export async function countRateWindows(sql: Sql, windows: Array<{ endpointId: string; start: Date; count: number }>): Promise<void> {
  if (windows.length === 0) return;
  await sql.query(
    `UPDATE webhook_endpoints e SET rate_window_start = w.start, rate_window_count = w.count
     FROM unnest($1::text[], $2::timestamptz[], $3::int[]) AS w(id, start, count) WHERE e.id = w.id`,
    [windows.map((w) => w.endpointId), windows.map((w) => w.start), windows.map((w) => w.count)],
  );
}

export interface NewAttempt {
  id: string;
  deliveryId: string;
  endpointId: string;
  attemptNumber: number;
  manual: boolean;
  requestHeaders: Record<string, string>;
  requestBody: string;
}

/** The attempt rows of POSTs about to leave, written before they leave (error_class in_flight until answered). */
export async function insertAttempts(sql: Sql, attempts: NewAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await sql.query(
    `INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, attempt_number, manual, request_headers, request_body, duration_ms, error_class)
     SELECT id, delivery_id, endpoint_id, attempt_number, manual, request_headers, request_body, 0, 'in_flight'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::boolean[], $6::jsonb[], $7::text[])
       AS t(id, delivery_id, endpoint_id, attempt_number, manual, request_headers, request_body)`,
    [
      attempts.map((a) => a.id),
      attempts.map((a) => a.deliveryId),
      attempts.map((a) => a.endpointId),
      attempts.map((a) => a.attemptNumber),
      attempts.map((a) => a.manual),
      attempts.map((a) => JSON.stringify(a.requestHeaders)),
      attempts.map((a) => a.requestBody),
    ],
  );
}

export interface LockedDelivery {
  id: string;
  status: DeliveryStatus;
  automatic_attempts: number;
  next_attempt_at: Date | null;
  lease_token: string | null;
  /** Any attempt so far answered 2xx. */
  succeeded: boolean;
  endpoint_enabled: boolean;
}

/** Locks deliveries (in id order) to record what happened to them, with what their next state depends on. */
export async function lockDeliveries(sql: Sql, ids: string[]): Promise<Map<string, LockedDelivery>> {
  const rows = await sql.query<LockedDelivery>(
    `SELECT d.id, d.status, d.automatic_attempts, d.next_attempt_at, d.lease_token, e.enabled AS endpoint_enabled,
       coalesce(s.succeeded, false) AS succeeded
     FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
     -- A probe of each delivery's few attempts (an EXISTS may be planned as a hash of every successful attempt).
     LEFT JOIN LATERAL (
       SELECT true AS succeeded FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.status_code BETWEEN 200 AND 299 LIMIT 1
     ) s ON true
     WHERE d.id = ANY($1::text[]) ORDER BY d.id FOR NO KEY UPDATE OF d`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export interface AttemptResultRow {
  attemptId: string;
  statusCode: number | null;
  responseBody: string | null;
  durationMs: number;
  error: string | null;
  errorClass: string | null;
}

export async function completeAttempts(sql: Sql, results: AttemptResultRow[]): Promise<void> {
  if (results.length === 0) return;
  await sql.query(
    // The receiver's answer is not kept for a delivery erased while the attempt was in flight (it may echo the person).
    `UPDATE webhook_attempts a SET status_code = r.status_code,
       response_body = CASE WHEN d.erased_at IS NULL THEN r.response_body END, duration_ms = r.duration_ms,
       error = r.error, error_class = r.error_class
     FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::text[])
       AS r(id, status_code, response_body, duration_ms, error, error_class), webhook_deliveries d
     WHERE a.id = r.id AND d.id = a.delivery_id`,
    [
      results.map((r) => r.attemptId),
      results.map((r) => r.statusCode),
      results.map((r) => r.responseBody),
      results.map((r) => r.durationMs),
      results.map((r) => r.error),
      results.map((r) => r.errorClass),
    ],
  );
}

export interface DeliveryUpdate {
  id: string;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  automaticAttempts: number;
  /** The lease this attempt held (released if still the delivery's). */
  leaseToken: string | null;
}

export async function updateDeliveries(sql: Sql, updates: DeliveryUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await sql.query(
    // An erased delivery is never retried: a failed attempt that was in flight during the erasure ends it.
    `UPDATE webhook_deliveries d
     SET status = CASE WHEN d.erased_at IS NOT NULL AND u.status = 'PENDING' THEN 'FAILED' ELSE u.status::"DeliveryStatus" END,
       next_attempt_at = CASE WHEN d.erased_at IS NULL THEN u.next_attempt_at END,
       automatic_attempts = u.automatic_attempts,
       lease_until = CASE WHEN d.lease_token = u.lease_token THEN NULL ELSE d.lease_until END,
       lease_token = CASE WHEN d.lease_token = u.lease_token THEN NULL ELSE d.lease_token END,
       updated_at = now()
     FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::text[]) AS u(id, status, next_attempt_at, automatic_attempts, lease_token)
     WHERE d.id = u.id`,
    [
      updates.map((u) => u.id),
      updates.map((u) => u.status),
      updates.map((u) => u.nextAttemptAt),
      updates.map((u) => u.automaticAttempts),
      updates.map((u) => u.leaseToken),
    ],
  );
}

export interface EndpointOutcome {
  endpointId: string;
  succeeded: boolean;
  /** The receiver asked for a pause (Retry-After). */
  pausedUntil: Date | null;
  gone: boolean;
}

/**
 * Health bookkeeping after attempts: last success (to the second)/failure, the failing streak, pauses. Returns the endpoints that
 * must now be disabled: 410 Gone, or failing without a success for `disableAfterMs`. One batch may hold successes and failures
 * of one endpoint: both times move, and any success ends the failing streak (the batch's attempts ran side by side).
 */
export async function recordEndpointOutcomes(sql: Sql, outcomes: EndpointOutcome[], disableAfterMs: number): Promise<Array<{ id: string; reason: string }>> {
  if (outcomes.length === 0) return [];
  const rows = await sql.query<{ id: string; failing_too_long: boolean; gone: boolean }>(
    `UPDATE webhook_endpoints e SET
       last_success_at = CASE WHEN o.succeeded THEN now() ELSE e.last_success_at END,
       last_failure_at = CASE WHEN o.failed THEN now() ELSE e.last_failure_at END,
       failing_since = CASE WHEN o.succeeded THEN NULL ELSE coalesce(e.failing_since, now()) END,
       paused_until = CASE WHEN o.paused_until IS NOT NULL THEN greatest(coalesce(e.paused_until, o.paused_until), o.paused_until) ELSE e.paused_until END
     FROM (
       SELECT id, bool_or(succeeded) AS succeeded, bool_or(NOT succeeded) AS failed, max(paused_until) AS paused_until, bool_or(gone) AS gone
       FROM unnest($1::text[], $2::boolean[], $3::timestamptz[], $4::boolean[]) AS t(id, succeeded, paused_until, gone) GROUP BY id
     ) o
     WHERE e.id = o.id AND e.enabled
       -- A healthy endpoint's successes move last_success_at once a second, not once a batch: the row is its claim's
       -- lock, and an update per batch would keep it locked (claims skip it) and wait on every claim.
       AND NOT (o.succeeded AND NOT o.failed AND NOT o.gone AND o.paused_until IS NULL AND e.failing_since IS NULL
                AND coalesce(e.last_success_at > now() - interval '1 second', false))
     -- Measured by the database's clock, as failing_since was set.
     RETURNING e.id, coalesce(now() - e.failing_since >= $5::double precision * interval '1 millisecond', false) AS failing_too_long, o.gone`,
    [outcomes.map((o) => o.endpointId), outcomes.map((o) => o.succeeded), outcomes.map((o) => o.pausedUntil), outcomes.map((o) => o.gone), disableAfterMs],
  );
  return rows.flatMap((r) => {
    if (r.gone) return [{ id: r.id, reason: 'The receiver answered 410 Gone.' }];
    if (r.failing_too_long) {
      return [{ id: r.id, reason: `No successful delivery for ${duration(disableAfterMs)} while failing.` }];
    }
    return [];
  });
}

/** Disables endpoints and fails their pending deliveries; returns each with its organisation and url. */
export async function disableEndpoints(
  sql: Sql,
  disabled: Array<{ id: string; reason: string }>,
): Promise<Array<{ id: string; organisation_id: string; url: string; disabled_reason: string }>> {
  if (disabled.length === 0) return [];
  const rows = await sql.query<{ id: string; organisation_id: string; url: string; disabled_reason: string }>(
    `UPDATE webhook_endpoints e SET enabled = false, disabled_reason = d.reason, disabled_at = now(), updated_at = now()
     FROM unnest($1::text[], $2::text[]) AS d(id, reason)
     WHERE e.id = d.id AND e.enabled
     RETURNING e.id, e.organisation_id, e.url, e.disabled_reason`,
    [disabled.map((d) => d.id), disabled.map((d) => d.reason)],
  );
  if (rows.length > 0)
    await failPendingDeliveries(
      sql,
      rows.map((r) => r.id),
    );
  return rows;
}

/** Pending deliveries of endpoints that will not send them (disabled): FAILED, unless one is in flight now. */
export async function failPendingDeliveries(sql: Sql, endpointIds: string[]): Promise<void> {
  await sql.query(
    `UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL, replay_requested_at = NULL, updated_at = now()
     WHERE endpoint_id = ANY($1::text[]) AND status = 'PENDING' AND (lease_until IS NULL OR lease_until < now())`,
    [endpointIds],
  );
}

/**
 * Pending deliveries of disabled endpoints that the disabling missed: a registration that read the endpoint as
 * enabled commits its delivery just after the endpoint was disabled (their locks do not conflict: the delivery's
 * foreign key takes KEY SHARE, disabling NO KEY UPDATE). Nothing claims a disabled endpoint's work, so without this
 * sweep such a delivery would stay PENDING for ever. Reads the pending-per-endpoint partial index.
 */
export async function failOrphanedDeliveries(sql: Sql): Promise<void> {
  await sql.query(
    `UPDATE webhook_deliveries d SET status = 'FAILED', next_attempt_at = NULL, replay_requested_at = NULL, updated_at = now()
     FROM webhook_endpoints e
     WHERE d.endpoint_id = e.id AND NOT e.enabled AND d.status = 'PENDING' AND (d.lease_until IS NULL OR d.lease_until < now())`,
  );
}

/**
 * After a crash: an attempt whose worker died (its lease ran out before the answer was recorded) is logged as
 * interrupted; a delivery whose last automatic attempt was such an attempt is FAILED.
 */
export async function sweepInterrupted(sql: Sql, options: { maxAutomatic: number }): Promise<void> {
  await sql.query(
    `UPDATE webhook_attempts a SET error_class = 'interrupted', error = 'The worker stopped before the answer was recorded.'
     FROM webhook_deliveries d
     WHERE a.delivery_id = d.id AND a.error_class = 'in_flight' AND (d.lease_until IS NULL OR d.lease_until < now())
       AND a.created_at < now() - interval '5 seconds'`,
  );
  await sql.query(
    `UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL, updated_at = now()
     WHERE status = 'PENDING' AND automatic_attempts >= $1 AND (lease_until IS NULL OR lease_until < now()) AND replay_requested_at IS NULL`,
    [options.maxAutomatic],
  );
}

/** The earliest moment some automatic attempt becomes due (for the engine's next wake-up), if any. */
export async function nextDueAt(sql: Sql): Promise<Date | null> {
  const [row] = await sql.query<{ at: Date | null }>(`SELECT min(next_attempt_at) AS at FROM webhook_deliveries WHERE status = 'PENDING'`);
  return row?.at ?? null;
}

/** "5 days", "36 hours", "90 minutes", "1500 ms": the largest unit that divides it. */
function duration(ms: number): string {
  for (const [unit, size] of [
    ['days', 86_400_000],
    ['hours', 3_600_000],
    ['minutes', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

/** Attempts that were leased and logged but never sent (the process is stopping): as if never claimed. */
export async function returnUnsentAttempts(sql: Sql, attempts: Array<{ attemptId: string; deliveryId: string; manual: boolean }>): Promise<void> {
  await sql.query('DELETE FROM webhook_attempts WHERE id = ANY($1::text[])', [attempts.map((a) => a.attemptId)]);
  await sql.query(
    `UPDATE webhook_deliveries d SET lease_until = NULL, lease_token = NULL, attempt_count = d.attempt_count - 1,
       automatic_attempts = d.automatic_attempts - CASE WHEN u.manual THEN 0 ELSE 1 END,
       replay_requested_at = CASE WHEN u.manual THEN now() ELSE d.replay_requested_at END, updated_at = now()
     FROM unnest($1::text[], $2::boolean[]) AS u(id, manual) WHERE d.id = u.id`,
    [attempts.map((a) => a.deliveryId), attempts.map((a) => a.manual)],
  );
}

/** A delivery to create (webhook-emit.ts). */
export interface NewDelivery {
  id: string;
  endpointId: string;
  attendeeId: string | null;
  trigger: WebhookTriggerEnum;
  emissionId: string;
  payload: string;
}

/** New deliveries, due now. Idempotent per emission and endpoint (a replayed emission adds nothing). */
export async function insertDeliveries(sql: Sql, deliveries: NewDelivery[]): Promise<number> {
  if (deliveries.length === 0) return 0;
  const rows = await sql.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, attendee_id, trigger, emission_id, payload, next_attempt_at, updated_at)
     SELECT id, endpoint_id, attendee_id, trigger, emission_id, payload, now(), now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::"WebhookTrigger"[], $5::text[], $6::text[])
       AS t(id, endpoint_id, attendee_id, trigger, emission_id, payload)
     ON CONFLICT (emission_id, endpoint_id) DO NOTHING
     RETURNING id`,
    [
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.endpointId),
      deliveries.map((d) => d.attendeeId),
      deliveries.map((d) => d.trigger),
      deliveries.map((d) => d.emissionId),
      deliveries.map((d) => d.payload),
    ],
  );
  return rows.length;
}

/** An enabled endpoint, with what it listens to (its event or all, its triggers, its fields). */
export type EnabledEndpoint = { id: string; organisation_id: string; event_id: string | null; triggers: string[]; selected_fields: string[] };

/** The organisations' enabled endpoints. */
export async function enabledEndpointsOf(sql: Sql, organisationIds: readonly string[]): Promise<EnabledEndpoint[]> {
  return await sql.query<EnabledEndpoint>(
    `SELECT id, organisation_id, event_id, triggers::text[] AS triggers, selected_fields FROM webhook_endpoints
     WHERE organisation_id = ANY($1::text[]) AND enabled`,
    [organisationIds],
  );
}

/** An endpoint's last 24 hours of attempts (an attempt in flight is neither), and its deliveries waiting. */
export async function endpointHealth(sql: Sql, endpointId: string): Promise<{ succeeded: number; failed: number; p95: number | null; pending: number }> {
  const [attempts] = await sql.query<{ succeeded: number; failed: number; p95: number | null }>(
    `SELECT count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::int AS succeeded,
       count(*) FILTER (WHERE NOT coalesce(status_code BETWEEN 200 AND 299, false) AND error_class IS DISTINCT FROM 'in_flight')::int AS failed,
       percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE error_class IS DISTINCT FROM 'in_flight') AS p95
     FROM webhook_attempts WHERE endpoint_id = $1 AND created_at > now() - interval '24 hours'`,
    [endpointId],
  );
  const [pending] = await sql.query<{ pending: number }>(
    `SELECT count(*)::int AS pending FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'PENDING'`,
    [endpointId],
  );
  return { succeeded: attempts?.succeeded ?? 0, failed: attempts?.failed ?? 0, p95: attempts?.p95 ?? null, pending: pending?.pending ?? 0 };
}

/** Deliveries waiting, across every organisation (GET /metrics). */
export async function pendingDeliveryCount(sql: Sql): Promise<number> {
  const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING'`);
  return row?.n ?? 0;
}

/** A delivery with its endpoint's URL and secrets, as a manual attempt needs it. */
export interface ManualAttemptRow {
  id: string;
  endpoint_id: string;
  trigger: WebhookTrigger;
  payload: string;
  attempt_count: number;
  url: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  secret_overlap_ends_at: Date | null;
}

/** One more attempt of a delivery, counted; answers the delivery with its endpoint's URL and secrets. */
export async function countManualAttempt(sql: Sql, deliveryId: string): Promise<ManualAttemptRow | undefined> {
  const [row] = await sql.query<ManualAttemptRow>(
    `UPDATE webhook_deliveries d SET attempt_count = d.attempt_count + 1, updated_at = now()
     FROM webhook_endpoints e WHERE d.id = $1 AND e.id = d.endpoint_id
     RETURNING d.id, d.endpoint_id, d.trigger, d.payload, d.attempt_count, e.url, e.secret_ciphertext, e.previous_secret_ciphertext, e.secret_overlap_ends_at`,
    [deliveryId],
  );
  return row;
}
