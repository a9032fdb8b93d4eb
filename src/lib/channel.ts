/**
 * A push-based async iterator for subscriptions. Unlike an async generator, `return()` (a client unsubscribing,
 * a socket closing) takes effect at once even while the consumer waits for the next value, so whatever feeds the
 * channel is detached immediately (`onClose`) instead of when the next value happens to arrive.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  readonly #queue: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | null = null;
  #ending = false;
  #closed = false;
  readonly #onClose: Array<() => void> = [];

  push(value: T): void {
    if (this.#closed || this.#ending) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value, done: false });
    } else this.#queue.push(value);
  }

  /** No more values: the consumer still gets those queued, then the iteration ends. */
  end(): void {
    this.#ending = true;
    if (this.#queue.length === 0) this.#close();
  }

  /** Runs once when the channel closes, whoever closed it. */
  onClose(callback: () => void): void {
    if (this.#closed) callback();
    else this.#onClose.push(callback);
  }

  async next(): Promise<IteratorResult<T>> {
    const value = this.#queue.shift();
    if (value !== undefined) {
      if (this.#ending && this.#queue.length === 0) this.#close();
      return { value, done: false };
    }
    if (this.#closed) return { value: undefined, done: true };
    return await new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  async return(): Promise<IteratorResult<T>> {
    this.#close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = null;
    for (const callback of this.#onClose.splice(0)) callback();
  }
}
