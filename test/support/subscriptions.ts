import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscription<T> {
  values: T[];
  errors: unknown[];
  /** Resolves with the `n`-th value (1-based) once it has arrived. */
  nth(n: number, timeoutMs?: number): Promise<T>;
  /** Resolves with the first error (e.g. an authorisation failure). */
  firstError(timeoutMs?: number): Promise<unknown>;
  /** Whether the server completed the subscription (or ended the stream). */
  completed(): boolean;
  close(): Promise<void>;
}

/** Subscriptions this helper holds open on each server, to wait for the server to count them. */
const held = new Map<string, number>();

async function serverSubscriptions(baseUrl: string): Promise<number> {
  const text = await fetch(`${baseUrl}/metrics`).then((r) => r.text());
  return Number(/^eventogate_graphql_subscriptions (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/**
 * A condition, not a sleep: the subscription counts as started once the server's
 * eventogate_graphql_subscriptions gauge shows it (or it failed with an error).
 */
async function untilStarted(baseUrl: string, errors: unknown[]): Promise<() => Promise<void>> {
  const deadline = Date.now() + 5_000;
  const expected = (held.get(baseUrl) ?? 0) + 1;
  for (;;) {
    if (errors.length > 0) return async () => {};
    if ((await serverSubscriptions(baseUrl)) >= expected) break;
    if (Date.now() > deadline) throw new Error(`subscription not started on ${baseUrl} within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  held.set(baseUrl, expected);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const remaining = (held.get(baseUrl) ?? 1) - 1;
    held.set(baseUrl, remaining);
    const closeDeadline = Date.now() + 5_000;
    while ((await serverSubscriptions(baseUrl).catch(() => 0)) > remaining && Date.now() < closeDeadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
  };
}

function collector<T>(values: T[], errors: unknown[]) {
  const wait = async (done: () => boolean, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`subscription: ${what} not received within ${timeoutMs} ms (values: ${JSON.stringify(values)}, errors: ${JSON.stringify(errors)})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    nth: async (n: number, timeoutMs = 5_000) => {
      await wait(() => values.length >= n, `value #${n}`, timeoutMs);
      return values[n - 1] as T;
    },
    firstError: async (timeoutMs = 5_000) => {
      await wait(() => errors.length > 0, 'an error', timeoutMs);
      return errors[0];
    },
  };
}

/** A graphql-ws (graphql-transport-ws) subscription, authenticated through connection_init. */
export async function subscribeWs<T = any>(
  baseUrl: string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string } = {},
): Promise<Subscription<T>> {
  const client: Client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    retryAttempts: 0,
  });
  const values: T[] = [];
  const errors: unknown[] = [];
  let done = false;
  let acknowledged!: () => void;
  const connected = new Promise<void>((resolve) => (acknowledged = resolve));
  client.on('connected', () => acknowledged());
  client.subscribe<T>(
    { query, variables: options.variables ?? {} },
    {
      next: (message) => (message.errors ? errors.push(...message.errors) : values.push(message.data as T)),
      error: (error) => {
        errors.push(error);
        done = true;
      },
      complete: () => {
        done = true;
      },
    },
  );
  await connected;
  const release = await untilStarted(baseUrl, errors);
  return {
    values,
    errors,
    ...collector(values, errors),
    completed: () => done,
    close: async () => {
      await client.dispose();
      await release();
    },
  };
}

/** The same subscription over Server-Sent Events (GraphQL over SSE, "distinct connections" mode). */
export async function subscribeSse<T = any>(
  baseUrl: string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string } = {},
): Promise<Subscription<T>> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
    signal: controller.signal,
  });
  const values: T[] = [];
  const errors: unknown[] = [];
  let done = false;
  void (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('');
          if (!data) continue;
          const message = JSON.parse(data) as { data?: T; errors?: unknown[] };
          if (message.errors) errors.push(...message.errors);
          else if (message.data) values.push(message.data);
        }
      }
    } catch {
      // Aborted by close().
    }
    done = true;
  })();
  const release = await untilStarted(baseUrl, errors);
  return {
    values,
    errors,
    ...collector(values, errors),
    completed: () => done,
    close: async () => {
      controller.abort();
      await release();
    },
  };
}
