import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes received, as a string. */
  body: string;
  json: Record<string, unknown>;
}

export interface ReceiverResponse {
  status: number;
  body?: string;
  delayMs?: number;
  headers?: Record<string, string>;
  /** Never answer (the connection stays open until the sender gives up). */
  hang?: boolean;
}

/**
 * A real webhook receiver on 127.0.0.1 that records raw bytes and headers of every request, answering
 * with `respond` (by default 200). Tests assert on what actually crossed the wire.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Requests being answered right now, and the most there ever were at once, per path. */
  readonly active = new Map<string, number>();
  readonly peak = new Map<string, number>();
  respond: (request: { path: string; count: number }) => ReceiverResponse = () => ({ status: 200, body: 'ok' });
  #server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body);
        } catch {
          // Recorded as raw bytes anyway.
        }
        const path = req.url ?? '/';
        this.received.push({ at: Date.now(), path, headers: req.headers, body, json });
        const answer = this.respond({ path, count: this.received.filter((r) => r.path === path).length });
        const now = (this.active.get(path) ?? 0) + 1;
        this.active.set(path, now);
        this.peak.set(path, Math.max(this.peak.get(path) ?? 0, now));
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          this.active.set(path, (this.active.get(path) ?? 1) - 1);
        };
        res.once('close', finish);
        if (answer.hang) return;
        const send = () => {
          finish();
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  on(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  async waitFor(predicate: (all: ReceivedWebhook[]) => boolean, timeoutMs = 10_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met within ${timeoutMs} ms (${this.received.length} received)`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.received;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}
