import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscription<T> {
  values: T[];
  errors: unknown[];
  /** Resolves with the `n`-th value (1-based) once it has arrived. */
  nth(n: number, timeoutMs?: number): Promise<T>;
  /** Resolves with the first error (e.g. an authorisation failure). */
  firstError(timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
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
  let acknowledged!: () => void;
  const connected = new Promise<void>((resolve) => (acknowledged = resolve));
  client.on('connected', () => acknowledged());
  client.subscribe<T>(
    { query, variables: options.variables ?? {} },
    {
      next: (message) => (message.errors ? errors.push(...message.errors) : values.push(message.data as T)),
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  await connected;
  // Let the subscribe message reach the server and its subscription start before the test acts.
  await new Promise((r) => setTimeout(r, 100));
  return { values, errors, ...collector(values, errors), close: async () => client.dispose() };
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
  })();
  await new Promise((r) => setTimeout(r, 100));
  return { values, errors, ...collector(values, errors), close: async () => controller.abort() };
}
