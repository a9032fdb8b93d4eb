import { randomUUID } from 'node:crypto';
import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { type OutgoingAttempt, prepareAttempts, recordAttempts, sendAttempt } from './webhook-attempts.ts';
import type { AttemptOutcome } from './webhook-http.ts';
import {
  countRateWindows,
  extendLeases,
  failOrphanedDeliveries,
  leaseDeliveries,
  leasesByEndpoint,
  lockEndpointsWithDueWork,
  nextDueAt,
  returnUnsentAttempts,
  sweepInterrupted,
} from './webhooks.sql.ts';

/** Woken through JobQueue (locally and, over NOTIFY, in every worker process) when deliveries are written. */
export const DELIVERY_QUEUE = 'webhooks.deliver';

const SWEEP_MS = 5_000;
const LEASE_MARGIN_MS = 5_000;
const LEASE_RENEW_MS = 2_000;
const IDLE_POLL_MS = 1_000;
const RECORD_BATCH = 200;
const RECORD_DELAY_MS = 10;
/** The least time between the end of one claim and the start of the next, when woken meanwhile. */
const CLAIM_GAP_MS = 10;
/** Deliveries one process may lease for a healthy endpoint at once (sent WEBHOOK_ENDPOINT_CONCURRENCY at a time). */
const BATCH_PER_ENDPOINT = 64;
/** Endpoints one claim serves at most; a claim cut short is followed by the next at once. */
const ENDPOINTS_PER_CLAIM = 500;

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
 * Crashes: a lease outlives one attempt's timeout and the process renews its leases every few seconds while it
 * holds them (queued in a lane, in flight, awaiting their record); a worker that dies leaves leases that run out
 * within one lease, and the deliveries are claimed again (the lost attempt stays logged, marked interrupted).
 */
export class DeliveryEngine {
  #inFlight = 0;
  #claiming = false;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #pokeTimer: NodeJS.Timeout | null = null;
  #lastClaimEnded = Number.NEGATIVE_INFINITY;
  #sweeper: NodeJS.Timeout | null = null;
  #renewer: NodeJS.Timeout | null = null;
  #results: Array<{ attempt: OutgoingAttempt; outcome: AttemptOutcome }> = [];
  #recordTimer: NodeJS.Timeout | null = null;
  #recording: Promise<void> = Promise.resolve();
  #sends = new Set<Promise<void>>();
  #unsubscribe: (() => void) | null = null;
  /** Attempts leased by this process, per endpoint: being sent, and waiting for a free lane. */
  readonly #lanes = new Map<string, { active: number; queue: OutgoingAttempt[] }>();
  /** Prefixes this process's lease tokens, so a claim can tell its own leases from other processes'. */
  readonly #owner = `${randomUUID().slice(0, 8)}:`;

  constructor(
    private readonly deps: Deps,
    private readonly options: { maxInFlight: number } = { maxInFlight: 512 },
  ) {}

  get #maxAutomatic(): number {
    return 1 + this.deps.config.webhookRetryDelaysMs.length;
  }

  /** One attempt's timeout and a margin for recording it; renewed every third of it while held. */
  get #leaseMs(): number {
    return this.deps.config.webhookTimeoutMs + LEASE_MARGIN_MS;
  }

  start(): void {
    this.#unsubscribe = this.deps.jobs.onWake(DELIVERY_QUEUE, () => this.poke());
    this.#sweeper = setInterval(() => void this.#sweep(), SWEEP_MS);
    this.#sweeper.unref();
    this.#renewer = setInterval(() => void this.#renewLeases(), Math.min(LEASE_RENEW_MS, this.#leaseMs / 3));
    this.#renewer.unref();
    this.poke();
  }

  /**
   * Look for due work (new deliveries were written, or slots freed): now, or CLAIM_GAP_MS after the last claim
   * ended — under a stream of registrations the wakes of many coalesce into one claim.
   */
  poke(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    if (this.#pokeTimer) return;
    const wait = this.#lastClaimEnded + CLAIM_GAP_MS - performance.now();
    this.#pokeTimer = setTimeout(
      () => {
        this.#pokeTimer = null;
        if (this.#stopped || this.#claiming) return;
        this.#claiming = true;
        void this.#claimLoop();
      },
      Math.max(0, wait),
    );
  }

  /** Stops claiming; attempts in flight finish and are recorded (a graceful stop sends nothing twice). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#pokeTimer) clearTimeout(this.#pokeTimer);
    if (this.#sweeper) clearInterval(this.#sweeper);
    while (this.#claiming) await new Promise((r) => setTimeout(r, 10));
    // Attempts still waiting for a lane have not left: they go back (rows removed, leases released) for whichever
    // process runs next. Those being sent finish and are recorded.
    const unsent = [...this.#lanes.values()].flatMap((lane) => lane.queue.splice(0));
    this.#inFlight -= unsent.length;
    if (unsent.length > 0) {
      await this.deps.db
        .sqlTransaction((sql) =>
          returnUnsentAttempts(
            sql,
            unsent.map((a) => ({ attemptId: a.attemptId, deliveryId: a.deliveryId, manual: a.manual })),
          ),
        )
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not hand back unsent webhook attempts; their leases will run out'));
    }
    // Leases stay renewed until the attempts in flight are recorded.
    while (this.#sends.size > 0) await Promise.all([...this.#sends]);
    await this.#flush();
    await this.#recording;
    if (this.#renewer) clearInterval(this.#renewer);
  }

  async #claimLoop(): Promise<void> {
    try {
      let more = false;
      do {
        const room = this.options.maxInFlight - this.#inFlight;
        if (room <= 0) break;
        const claimed = await this.#claim(room);
        const attempts = claimed.attempts;
        more = claimed.more && attempts.length > 0;
        for (const attempt of attempts) this.#dispatch(attempt);
        // Cut short (room or the endpoint limit ran out before every endpoint was served): straight on.
      } while (more && !this.#stopped);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'webhook delivery claim failed; retrying shortly');
    } finally {
      this.#claiming = false;
      this.#lastClaimEnded = performance.now();
    }
    if (this.#again) {
      this.#again = false;
      this.poke();
    }
    this.#scheduleNext();
  }

  /**
   * Leases due deliveries within every endpoint's allowance, and logs their attempts before they are sent.
   * Allowance: when every lease of an endpoint is this process's (or there are none), its lane is topped up to
   * BATCH_PER_ENDPOINT once half of it has been sent — this process sends them WEBHOOK_ENDPOINT_CONCURRENCY at a time,
   * and no other process leases any meanwhile. Otherwise only what brings the endpoint's leases up to the limit: a process never
   * has more in flight than it holds leases, so the endpoint never has more than the limit in flight. An endpoint
   * whose last attempt failed gets no batch (a dead receiver would sit on it).
   */
  async #claim(room: number): Promise<{ attempts: OutgoingAttempt[]; more: boolean }> {
    const token = `${this.#owner}${randomUUID()}`;
    const concurrency = this.deps.config.webhookEndpointConcurrency;
    return await this.deps.db.sqlTransaction(async (sql) => {
      const endpoints = await lockEndpointsWithDueWork(sql, { maxAutomatic: this.#maxAutomatic, limit: ENDPOINTS_PER_CLAIM });
      if (endpoints.length === 0) return { attempts: [], more: false };
      const leases = await leasesByEndpoint(
        sql,
        endpoints.map((e) => e.id),
        this.#owner,
      );
      const now = this.deps.clock.nowMs();
      const allowed: Array<{ id: string; n: number }> = [];
      let left = room;
      let more = endpoints.length === ENDPOINTS_PER_CLAIM;
      for (const endpoint of endpoints) {
        const held = leases.get(endpoint.id) ?? { all: 0, mine: 0 };
        const lane = this.#lanes.get(endpoint.id);
        const ahead = lane ? lane.active + lane.queue.length : 0;
        let n: number;
        if (held.all > held.mine || endpoint.failing) n = concurrency - held.all;
        else n = ahead <= BATCH_PER_ENDPOINT / 2 ? BATCH_PER_ENDPOINT - ahead : 0;
        if (endpoint.rate_limit_per_second !== null) {
          const windowOpen = endpoint.rate_window_start !== null && now - endpoint.rate_window_start.getTime() < 1_000;
          n = Math.min(n, endpoint.rate_limit_per_second - (windowOpen ? endpoint.rate_window_count : 0));
        }
        n = Math.min(n, left);
        if (n <= 0) continue;
        allowed.push({ id: endpoint.id, n });
        left -= n;
        if (left === 0) {
          more = true;
          break;
        }
      }
      if (allowed.length === 0) return { attempts: [], more: false };
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
      const attempts = await prepareAttempts(
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
      return { attempts, more };
    });
  }

  /** Queues an attempt on its endpoint's lanes: at most WEBHOOK_ENDPOINT_CONCURRENCY sent at once. */
  #dispatch(attempt: OutgoingAttempt): void {
    this.#inFlight++;
    let lane = this.#lanes.get(attempt.endpointId);
    if (!lane) {
      lane = { active: 0, queue: [] };
      this.#lanes.set(attempt.endpointId, lane);
    }
    lane.queue.push(attempt);
    this.#pump(attempt.endpointId, lane);
  }

  #pump(endpointId: string, lane: { active: number; queue: OutgoingAttempt[] }): void {
    while (lane.active < this.deps.config.webhookEndpointConcurrency && lane.queue.length > 0) {
      const attempt = lane.queue.shift()!;
      lane.active++;
      // Half of this endpoint's batch is sent: lease the next half while the rest goes out.
      if (lane.queue.length === BATCH_PER_ENDPOINT / 2 - this.deps.config.webhookEndpointConcurrency) this.poke();
      const send = sendAttempt(this.deps, attempt).then(
        (outcome) => {
          this.#results.push({ attempt, outcome });
          this.#scheduleRecord();
        },
        (error: unknown) => this.deps.logger.error({ err: error, deliveryId: attempt.deliveryId }, 'webhook attempt failed unexpectedly'),
      );
      const tracked = send.finally(() => {
        this.#inFlight--;
        lane.active--;
        this.#sends.delete(tracked);
        if (lane.active === 0 && lane.queue.length === 0) this.#lanes.delete(endpointId);
        else this.#pump(endpointId, lane);
      });
      this.#sends.add(tracked);
    }
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
   * The next look: when the earliest retry falls due, and at least once a second (work that is due but waits for a
   * limit, a pause or another process). Sooner when woken: new deliveries, a lane half sent, outcomes recorded.
   */
  #scheduleNext(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    const wait = async () => {
      const due = await nextDueAt(poolSql(this.deps)).catch(() => null);
      const untilDue = due ? due.getTime() - this.deps.clock.nowMs() : Number.POSITIVE_INFINITY;
      const ms = untilDue > 0 ? untilDue + 5 : IDLE_POLL_MS;
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.poke(), Math.min(ms, IDLE_POLL_MS));
      this.#timer.unref();
    };
    void wait();
  }

  async #renewLeases(): Promise<void> {
    if (this.#inFlight === 0 && this.#results.length === 0) return;
    try {
      await extendLeases(poolSql(this.deps), this.#owner, this.#leaseMs);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not renew webhook leases');
    }
  }

  async #sweep(): Promise<void> {
    try {
      await sweepInterrupted(poolSql(this.deps), { maxAutomatic: this.#maxAutomatic });
      await failOrphanedDeliveries(poolSql(this.deps));
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not sweep interrupted webhook attempts');
    }
  }
}
