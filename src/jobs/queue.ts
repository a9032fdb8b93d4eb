import { fromPrisma, type PgBoss, type SendOptions } from 'pg-boss';
import type { z } from 'zod';
import type { Db } from '../db/prisma.ts';
import { type Sql, sqlExecutor } from '../db/sql.ts';
import type { Transactions } from '../db/transactions.ts';
import type { PgPubSub } from '../lib/pubsub.ts';
import type { QueueSpec } from './job.ts';

const WAKE_CHANNEL = 'eventogate_job_wake';
const WAKE_COALESCE_MS = 2;

/**
 * Enqueues jobs inside the caller's transaction and wakes workers once it has committed.
 *
 * pg-boss can NOTIFY from the sending transaction itself, but a transaction that NOTIFYs takes PostgreSQL's
 * database-wide notification lock at commit and holds it through the WAL flush: every registration would
 * commit one at a time (measured: ~160 registrations/s). Instead queues do not notify; after commit we
 * wake workers in this process directly and, coalesced to one NOTIFY per queue every few milliseconds,
 * workers in other processes. Polling (1 s) remains the backstop if a wake-up is ever lost.
 */
export class JobQueue {
  readonly #workers = new Map<string, string[]>();
  /** In-process consumers that are not pg-boss workers (the webhook delivery engine), by queue name. */
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #pendingWakes = new Set<string>();
  /** Queues sent to inside each open transaction, woken once when it commits. */
  readonly #sentIn = new WeakMap<object, Set<string>>();
  #wakeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly boss: PgBoss,
    private readonly pubsub: PgPubSub,
    private readonly transactions: Transactions,
  ) {}

  /** Wakes `queue` once `db`'s transaction commits (once per transaction and queue); outside one, at once. */
  #wakeAfter(db: object, queue: string): void {
    let queues = this.#sentIn.get(db);
    if (!queues) {
      const fresh = new Set<string>();
      const wakeAll = () => {
        for (const name of fresh) this.wake(name);
      };
      if (!this.transactions.afterCommit(db, wakeAll)) {
        this.wake(queue);
        return;
      }
      this.#sentIn.set(db, fresh);
      queues = fresh;
    }
    queues.add(queue);
  }

  async start(): Promise<void> {
    await this.pubsub.subscribe(WAKE_CHANNEL, (queue) => this.#wakeLocal(queue));
  }

  /** Validates the payload, then inserts the job through `db` (a Prisma transaction or client, or plain SQL). */
  async send<S extends z.ZodType>(db: Db | Sql, definition: QueueSpec<S>, payload: z.input<S>, options: SendOptions = {}): Promise<string | null> {
    const data = definition.payload.parse(payload) as object;
    const id = await this.boss.send(definition.name, data, { ...options, db: this.#executor(db) });
    this.#wakeAfter(db, definition.name);
    return id;
  }

  #executor(db: Db | Sql) {
    return '$queryRawUnsafe' in db ? fromPrisma(db as Parameters<typeof fromPrisma>[0]) : sqlExecutor(db);
  }

  /** Several jobs of one queue in one INSERT (pg-boss `insert`), through `db` like `send`. */
  async sendMany<S extends z.ZodType>(db: Db | Sql, definition: QueueSpec<S>, payloads: Array<z.input<S>>): Promise<void> {
    if (payloads.length === 0) return;
    const jobs = payloads.map((payload) => ({ data: definition.payload.parse(payload) as object }));
    await this.boss.insert(definition.name, jobs, { db: this.#executor(db) });
    this.#wakeAfter(db, definition.name);
  }

  /**
   * Wakes `queue` once `db`'s transaction has committed (not at all if it rolls back), for work written as rows
   * rather than jobs (webhook deliveries). Outside a JobQueue transaction, wakes at once.
   */
  wakeAfterCommit(db: Db | Sql, queue: string): void {
    this.#wakeAfter(db, queue);
  }

  /** Calls `listener` whenever `queue` is woken, here or (through NOTIFY) in another process. */
  onWake(queue: string, listener: () => void): () => void {
    let listeners = this.#listeners.get(queue);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(queue, listeners);
    }
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Wakes `queue`'s workers in `ms` (for jobs scheduled to start later); polling covers a process restart. */
  wakeIn(queue: string, ms: number): void {
    setTimeout(() => this.wake(queue), ms).unref();
  }

  /** Call after the transaction that sent jobs to `queue` committed (sending inside one does it for you). */
  wake(queue: string): void {
    this.#wakeLocal(queue);
    this.#pendingWakes.add(queue);
    this.#wakeTimer ??= setTimeout(() => {
      this.#wakeTimer = null;
      const queues = [...this.#pendingWakes];
      this.#pendingWakes.clear();
      for (const name of queues) void this.pubsub.publish(WAKE_CHANNEL, name).catch(() => undefined);
    }, WAKE_COALESCE_MS);
  }

  registerWorker(queue: string, workerId: string): void {
    this.#workers.set(queue, [...(this.#workers.get(queue) ?? []), workerId]);
  }

  close(): void {
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
  }

  #wakeLocal(queue: string): void {
    for (const id of this.#workers.get(queue) ?? []) this.boss.notifyWorker(id);
    for (const listener of this.#listeners.get(queue) ?? []) listener();
  }
}
