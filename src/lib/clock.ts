/**
 * One clock for every process: PostgreSQL's. Deadlines and windows are compared with the database's `now()`
 * (retries due, sessions and keys expired, rate-limit windows, retention cut-offs) and some timestamps leave the
 * system (webhook-timestamp, a signed ticket's issue time): a process whose own clock is minutes off would retry a
 * webhook ten minutes late or at once, sign timestamps receivers refuse, delete a session with minutes left, or open a
 * rate-limit window another process already closed. So each process measures how far its clock is from the
 * database's (at start and every minute) and tells time by that: `now()` is the database's time, read locally.
 */
export class Clock {
  #offsetMs = 0;

  /** `processNow`: the process's own clock (tests inject a skewed one). */
  constructor(private readonly processNow: () => number = Date.now) {}

  /** Milliseconds since the epoch, by the database's clock. */
  nowMs(): number {
    return this.processNow() + this.#offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** How far the database's clock is ahead of this process's (negative: behind), as last measured. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /**
   * Measures the offset from three reads of the database's clock (`readMs`), keeping the one with the shortest round
   * trip, halved: a read that also opened a connection (a second, all before the clock is read) would put the
   * database a second ahead.
   */
  async sync(readMs: () => Promise<number>): Promise<number> {
    let best: { roundTrip: number; offset: number } | null = null;
    for (let i = 0; i < 3; i++) {
      const before = this.processNow();
      const database = await readMs();
      const after = this.processNow();
      if (!best || after - before < best.roundTrip) best = { roundTrip: after - before, offset: database - (before + after) / 2 };
    }
    this.#offsetMs = Math.round(best!.offset);
    return this.#offsetMs;
  }
}

/** Beyond this, a process's clock is worth an operator's look (NTP down?) — start-up says so. */
export const CLOCK_SKEW_WARNING_MS = 30_000;
