import { randomUUID } from 'node:crypto';
import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { type OutgoingAttempt, prepareAttempts, recordAttempts, sendAttempt } from './webhook-attempts.ts';
import type { AttemptOutcome } from './webhook-http.ts';
import { countRateWindows, inFlightByEndpoint, leaseDeliveries, lockEndpointsWithDueWork, nextDueAt, sweepInterrupted } from './webhooks.sql.ts';

/** Woken through JobQueue (locally and, over NOTIFY, in every worker process) when deliveries are written. */
export const DELIVERY_QUEUE = 'webhooks.deliver';

const SWEEP_MS = 5_000;
const IDLE_POLL_MS = 1_000;
const RECORD_BATCH = 200;
const RECORD_DELAY_MS = 5;

/**
 * Sends webhooks. The deliveries table is the queue (no job per attempt): each worker process claims due
 * deliveries in batches, sends them concurrently over keep-alive connections, and records the outcomes in
 * batches (one transaction for many attempts).
 *
 * Isolation per endpoint: a claim locks the endpoints it considers (SKIP LOCKED, so processes never decide for the
 * same endpoint at once), counts each one's attempts in flight (leases) and leases at most
 * WEBHOOK_ENDPOINT_CONCURRENCY minus that — and no more than its rateLimitPerSecond allows, and nothing while the
 * receiver asked for a pause. An endpoint that hangs holds its own few leases until the timeout; everyone else's
 * deliveries keep flowing.
 *
 * pg-boss 12's group concurrency was the first candidate; measured here, its global limit is not strict when
 * several fetches run at once (10 in flight for a limit of 4) and a job per attempt capped throughput at ~200/s.
 *
 * Crashes: a lease outlives the attempt's timeout; a worker that dies leaves leases that simply run out, and the
 * deliveries are claimed again (the lost attempt stays logged, marked interrupted).
 */
export class DeliveryEngine {
  #inFlight = 0;
  #claiming = false;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #sweeper: NodeJS.Timeout | null = null;
  #results: Array<{ attempt: OutgoingAttempt; outcome: AttemptOutcome }> = [];
  #recordTimer: NodeJS.Timeout | null = null;
  #recording: Promise<void> = Promise.resolve();
  #sends = new Set<Promise<void>>();
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly options: { maxInFlight: number } = { maxInFlight: 512 },
  ) {}

  get #maxAutomatic(): number {
    return 1 + this.deps.config.webhookRetryDelaysMs.length;
  }

  get #leaseMs(): number {
    return this.deps.config.webhookTimeoutMs + 5_000;
  }

  start(): void {
    this.#unsubscribe = this.deps.jobs.onWake(DELIVERY_QUEUE, () => this.poke());
    this.#sweeper = setInterval(() => void this.#sweep(), SWEEP_MS);
    this.#sweeper.unref();
    this.poke();
  }

  /** Look for due work now (new deliveries were written, or slots freed). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = true;
    setImmediate(() => void this.#claimLoop());
  }

  /** Stops claiming; attempts in flight finish and are recorded (a graceful stop sends nothing twice). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#sweeper) clearInterval(this.#sweeper);
    while (this.#claiming) await new Promise((r) => setTimeout(r, 10));
    await Promise.all([...this.#sends]);
    await this.#flush();
    await this.#recording;
  }

  async #claimLoop(): Promise<void> {
    let leasedNothing = false;
    try {
      do {
        this.#again = false;
        const room = this.options.maxInFlight - this.#inFlight;
        if (room <= 0) break;
        const attempts = await this.#claim(room);
        for (const attempt of attempts) this.#dispatch(attempt);
        leasedNothing = attempts.length === 0;
        if (!leasedNothing) this.#again = true;
      } while (this.#again && !this.#stopped);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'webhook delivery claim failed; retrying shortly');
      leasedNothing = true;
    } finally {
      this.#claiming = false;
    }
    this.#scheduleNext(leasedNothing);
  }

  /** Leases due deliveries within every endpoint's allowance, and logs their attempts before they are sent. */
  async #claim(room: number): Promise<OutgoingAttempt[]> {
    const token = randomUUID();
    const concurrency = this.deps.config.webhookEndpointConcurrency;
    return await this.deps.jobs.sqlTransaction(async (sql) => {
      const endpoints = await lockEndpointsWithDueWork(sql, { maxAutomatic: this.#maxAutomatic, limit: 500 });
      if (endpoints.length === 0) return [];
      const inFlight = await inFlightByEndpoint(
        sql,
        endpoints.map((e) => e.id),
      );
      const now = Date.now();
      const allowed: Array<{ id: string; n: number }> = [];
      let left = room;
      for (const endpoint of endpoints) {
        let n = concurrency - (inFlight.get(endpoint.id) ?? 0);
        if (endpoint.rate_limit_per_second !== null) {
          const windowOpen = endpoint.rate_window_start !== null && now - endpoint.rate_window_start.getTime() < 1_000;
          n = Math.min(n, endpoint.rate_limit_per_second - (windowOpen ? endpoint.rate_window_count : 0));
        }
        n = Math.min(n, left);
        if (n <= 0) continue;
        allowed.push({ id: endpoint.id, n });
        left -= n;
        if (left === 0) break;
      }
      if (allowed.length === 0) return [];
      const leased = await leaseDeliveries(sql, {
        endpointIds: allowed.map((a) => a.id),
        allowances: allowed.map((a) => a.n),
        maxAutomatic: this.#maxAutomatic,
        leaseMs: this.#leaseMs,
        token,
      });
      const rateLimited = endpoints.filter((e) => e.rate_limit_per_second !== null);
      await countRateWindows(
        sql,
        rateLimited.flatMap((e) => {
          const started = leased.filter((d) => d.endpoint_id === e.id).length;
          if (started === 0) return [];
          const windowOpen = e.rate_window_start !== null && now - e.rate_window_start.getTime() < 1_000;
          return [{ endpointId: e.id, start: windowOpen ? e.rate_window_start! : new Date(now), count: (windowOpen ? e.rate_window_count : 0) + started }];
        }),
      );
      return await prepareAttempts(
        this.deps,
        sql,
        leased.map((d) => ({
          id: d.id,
          endpointId: d.endpoint_id,
          trigger: d.trigger,
          payload: d.payload,
          attemptNumber: d.attempt_count,
          manual: d.manual,
          url: d.url,
          secretCiphertext: d.secret_ciphertext,
          previousSecretCiphertext: d.previous_secret_ciphertext,
          secretOverlapEndsAt: d.secret_overlap_ends_at,
        })),
        token,
      );
    });
  }

  #dispatch(attempt: OutgoingAttempt): void {
    this.#inFlight++;
    const send = sendAttempt(this.deps, attempt).then(
      (outcome) => {
        this.#results.push({ attempt, outcome });
        this.#scheduleRecord();
      },
      (error: unknown) => this.deps.logger.error({ err: error, deliveryId: attempt.deliveryId }, 'webhook attempt failed unexpectedly'),
    );
    const tracked = send.finally(() => {
      this.#inFlight--;
      this.#sends.delete(tracked);
    });
    this.#sends.add(tracked);
  }

  #scheduleRecord(): void {
    if (this.#results.length >= RECORD_BATCH) void this.#flush();
    else this.#recordTimer ??= setTimeout(() => void this.#flush(), RECORD_DELAY_MS);
  }

  /** Records the outcomes gathered so far in one go, one batch at a time, then looks for more work. */
  #flush(): Promise<void> {
    if (this.#recordTimer) clearTimeout(this.#recordTimer);
    this.#recordTimer = null;
    const batch = this.#results.splice(0);
    if (batch.length === 0) return this.#recording;
    this.#recording = this.#recording.then(async () => {
      try {
        await recordAttempts(this.deps, batch);
      } catch (error) {
        // Their leases run out and the deliveries are attempted again; the attempts stay logged.
        this.deps.logger.error({ err: error, attempts: batch.length }, 'could not record webhook attempts');
      }
      this.poke();
    });
    return this.#recording;
  }

  /**
   * The next look: when the earliest retry falls due, or — when work is due but every endpoint that has some is
   * at its limit, paused or held by another process — in a second (slots freed here wake it sooner).
   */
  #scheduleNext(leasedNothing: boolean): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    const wait = async () => {
      const due = await nextDueAt(poolSql(this.deps)).catch(() => null);
      const untilDue = due ? due.getTime() - Date.now() : Number.POSITIVE_INFINITY;
      const ms = untilDue > 0 ? untilDue + 5 : leasedNothing ? IDLE_POLL_MS : 0;
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.poke(), Math.min(ms, IDLE_POLL_MS));
      this.#timer.unref();
    };
    void wait();
  }

  async #sweep(): Promise<void> {
    try {
      await sweepInterrupted(poolSql(this.deps), { maxAutomatic: this.#maxAutomatic });
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not sweep interrupted webhook attempts');
    }
  }
}
