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
  readonly #queue: Array<{ item: In; resolve: (value: Out) => void; reject: (error: unknown) => void }> = [];
  #running = 0;
  #scheduled = false;

  constructor(
    private readonly run: (items: In[]) => Promise<Array<Out | Error>>,
    private readonly options: { maxBatch: number; concurrency: number },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.options.concurrency || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#running < this.options.concurrency && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.options.maxBatch);
      this.#running++;
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
          this.#schedule();
        });
    }
  }
}

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
