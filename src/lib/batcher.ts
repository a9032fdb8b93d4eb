/**
 * Group commit for hot write paths. Calls that arrive while earlier batches are still in flight wait and then
 * run together as one batch (one transaction, a few multi-row statements) instead of one transaction each.
 * At low load a call runs alone, right away (one `setImmediate` later, which lets the calls that arrived in
 * the same I/O turn join it); under load batches grow by themselves, so the database sees a handful of
 * round trips per batch rather than per request — on this kind of machine that is what limits throughput.
 *
 * `run` answers every item of the batch, in order: a value, or the Error that item alone is rejected with.
 * If `run` itself throws, every item of that batch is rejected with that error.
 *
 * dataloader was considered: it batches loads per tick, but does not hold calls back while a batch is in
 * flight, which is where the savings come from under load; and its cache/key semantics are for reads.
 */
export class Batcher<In, Out> {
  /** Waiting calls by key; a key with none waiting has no entry. Map order is the round-robin order. */
  readonly #waiting = new Map<string, Entry<In, Out>[]>();
  readonly #runningByKey = new Map<string, number>();
  #running = 0;
  #scheduled = false;

  /**
   * `concurrency` batches run at once in all; with `key`, a batch holds calls of one key only, at most
   * `concurrencyPerKey` of a key run at once, and keys take turns — so calls of one key that are stuck (its rows
   * locked by someone else) hold at most that many slots, never the ones other keys need.
   */
  constructor(
    private readonly run: (items: In[]) => Promise<Array<Out | Error>>,
    private readonly options: {
      maxBatch: number;
      concurrency: number;
      key?: (item: In) => string;
      concurrencyPerKey?: number;
      /** Told of each batch when it is done: how long each of its calls waited to start, and the batch's run. */
      observe?: BatchObserver;
    },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      const key = this.options.key?.(item) ?? '';
      const queue = this.#waiting.get(key);
      const entry = { item, resolve, reject, submittedAt: performance.now() };
      if (queue) queue.push(entry);
      else this.#waiting.set(key, [entry]);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.options.concurrency || this.#waiting.size === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    const perKey = this.options.concurrencyPerKey ?? this.options.concurrency;
    for (let started = true; started && this.#running < this.options.concurrency; ) {
      started = false;
      for (const [key, queue] of [...this.#waiting]) {
        if (this.#running >= this.options.concurrency) return;
        if ((this.#runningByKey.get(key) ?? 0) >= perKey) continue;
        const batch = queue.splice(0, this.options.maxBatch);
        // Its turn taken: to the back of the line, or out of it.
        this.#waiting.delete(key);
        if (queue.length > 0) this.#waiting.set(key, queue);
        this.#start(key, batch);
        started = true;
      }
    }
  }

  #start(key: string, batch: Entry<In, Out>[]): void {
    this.#running++;
    this.#runningByKey.set(key, (this.#runningByKey.get(key) ?? 0) + 1);
    const startedAt = performance.now();
    this.run(batch.map((entry) => entry.item))
      .then((results) => {
        if (results.length !== batch.length) throw new Error(`Batcher: ${results.length} results for ${batch.length} items`);
        batch.forEach((entry, i) => {
          const result = results[i];
          if (result instanceof Error) entry.reject(result);
          else entry.resolve(result as Out);
        });
      })
      .catch((error: unknown) => {
        for (const entry of batch) entry.reject(error);
      })
      .finally(() => {
        this.#running--;
        const left = this.#runningByKey.get(key)! - 1;
        if (left === 0) this.#runningByKey.delete(key);
        else this.#runningByKey.set(key, left);
        this.#schedule();
        // Last, and never able to stop the batcher: it only counts.
        try {
          this.options.observe?.({ waitedMs: batch.map((entry) => startedAt - entry.submittedAt), runMs: performance.now() - startedAt });
        } catch {
          // A metric that failed to record is lost; the calls were answered.
        }
      });
  }
}

interface Entry<In, Out> {
  item: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
  /** performance.now() when submitted. */
  submittedAt: number;
}

/** A finished batch: each call's wait in the queue before its batch started (ms, in order), and the batch's run (ms). */
export type BatchObserver = (batch: { waitedMs: number[]; runMs: number }) => void;

/**
 * A batch's run that, when the batch fails, runs each item on its own, so whatever one item alone causes fails only
 * that item. A `fatal` error (an unreachable database) fails the batch at once: alone, each item would fail too.
 */
export function eachAloneOnFailure<In, Out>(
  run: (items: In[]) => Promise<Array<Out | Error>>,
  options: { fatal: (error: unknown) => boolean; onSplit: (error: unknown, size: number) => void },
): (items: In[]) => Promise<Array<Out | Error>> {
  const alone = (item: In) =>
    run([item]).then(
      ([result]) => result as Out | Error,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
  return async (items) => {
    try {
      return await run(items);
    } catch (error) {
      if (items.length === 1 || options.fatal(error)) throw error;
      options.onSplit(error, items.length);
      return await Promise.all(items.map(alone));
    }
  };
}
