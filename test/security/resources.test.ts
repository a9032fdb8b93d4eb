import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createUser } from '../support/factories.ts';
import { freePort } from '../support/net.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';

/** No client can make a process hold more than it should: bodies, frames, sockets and slow requests are bounded. */
let app: TestApp;
let server: { url: string; process: ServerProcess };
beforeAll(async () => {
  app = await startTestApp({ WS_MAX_CONNECTIONS_PER_IP: '5', WS_MAX_CONNECTIONS_PER_ORGANISATION: '3', HTTP_REQUEST_TIMEOUT_MS: '2000' });
  // A separate process, so its memory is its own to measure.
  const port = await freePort();
  const child = spawnServer({ DATABASE_URL: app.databaseUrl, SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), ROLE: 'api' });
  await child.waitFor(/EventoGate is running/);
  server = { url: `http://127.0.0.1:${port}`, process: child };
});
afterAll(async () => {
  server?.process.child.kill('SIGTERM');
  await server?.process.exited();
  await app?.stop();
});

/** An HTTP/1.1 chunked body, decoded. */
function decodeChunked(raw: string): string {
  let body = '';
  let rest = raw;
  for (;;) {
    const end = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, end), 16);
    if (!size) return body;
    body += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

describe('request bodies are counted while they stream', () => {
  it('a chunked 300 MB body to the public form: 413 after the first MB, the connection closed, memory flat', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const pid = server.process.child.pid!;
    const before = rssMiB(pid);
    const started = Date.now();
    const chunk = Buffer.alloc(64 * 1024, 'a');
    // A raw socket, as a client that keeps streaming would be: the server answers 413 and closes while we still write,
    // so our writes may fail (EPIPE, ECONNRESET) — node:http's client then reported that error and dropped the answer
    // it had received (this test failed so, now and then). Here every byte the server sent is kept and read at the end.
    const result = await new Promise<{ status: number; body: string; sent: number }>((resolve) => {
      let sent = 0;
      let open = true;
      const received: Buffer[] = [];
      const { hostname, port } = new URL(server.url);
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.write(
          `POST /v1/public/events/${seed.event.id}/registrations HTTP/1.1\r\nHost: ${hostname}\r\n` +
            'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
        );
        const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
        const pump = () => {
          while (open && sent < 300 * 1024 * 1024) {
            sent += chunk.length;
            if (!socket.write(frame)) return void socket.once('drain', pump);
          }
          if (open) socket.end('0\r\n\r\n');
        };
        pump();
      });
      socket.on('data', (data) => received.push(data));
      socket.on('error', () => {
        open = false;
      });
      socket.on('close', () => {
        open = false;
        const text = Buffer.concat(received).toString('utf8');
        const [head = '', ...rest] = text.split('\r\n\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        const raw = rest.join('\r\n\r\n');
        const body = /transfer-encoding: chunked/i.test(head) ? decodeChunked(raw) : raw;
        resolve({ status, body, sent });
      });
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: 'payload_too_large', message: 'The request body must not be larger than 1000000 bytes.' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.sent).toBeLessThan(300 * 1024 * 1024);
    expect(rssMiB(pid) - before).toBeLessThan(60);
  });
});

describe('WebSockets', () => {
  const open = (headers: Record<string, string> = {}) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

  it('a 60 MB frame closes the socket (1009: message too big) without being read into memory', async () => {
    const ws = await open();
    const code = closed(ws);
    // The header of a masked 60 MB binary frame and its first bytes, written straight to the socket: the server
    // must refuse on the announced length. (ws.send would first mask 60 MB in this process, which on a loaded
    // machine took longer than the server's 3 s wait for connection_init, and 4408 came first.)
    const header = Buffer.alloc(14);
    header[0] = 0x82;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(60 * 1024 * 1024), 2);
    header.writeUInt32BE(0x12345678, 10);
    (ws as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.concat([header, Buffer.alloc(64 * 1024, 'x')]));
    expect(await code).toBe(1009);
  });

  it('at most WS_MAX_CONNECTIONS_PER_IP sockets per client address: the next upgrade is refused with 429', async () => {
    const sockets = await Promise.all(Array.from({ length: 5 }, () => open()));
    await expect(open()).rejects.toThrow('upgrade refused: 429');
    const code = closed(sockets[0]!);
    sockets[0]!.close();
    await code;
    const again = await open();
    for (const ws of [again, ...sockets.slice(1)]) ws.close();
  });

  it('at most WS_MAX_CONNECTIONS_PER_ORGANISATION authenticated sockets per organisation', async () => {
    const owner = await createUser(app.deps);
    const init = async () => {
      const ws = await open();
      const answer = new Promise<string>((resolve) => {
        ws.once('message', (data) => resolve(JSON.parse(String(data)).type));
        ws.once('close', (code) => resolve(`closed ${code}`));
      });
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${owner.token}` } }));
      return { ws, answer: await answer };
    };
    const first = [await init(), await init(), await init()];
    expect(first.map((s) => s.answer)).toEqual(['connection_ack', 'connection_ack', 'connection_ack']);
    const fourth = await init();
    expect(fourth.answer).toBe('closed 4429');
    for (const { ws } of first) ws.close();
  });
});

describe('slow requests', () => {
  it('a body that trickles in ends after HTTP_REQUEST_TIMEOUT_MS, not minutes later', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const started = Date.now();
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${app.url}/v1/events/${seed.event.id}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000', authorization: `Bearer ${seed.liveKey}` },
      });
      req.on('response', (res) => resolve(`status ${res.statusCode}`));
      req.on('error', () => resolve('closed'));
      req.write('{');
      const drip = setInterval(() => req.write(' '), 200);
      req.on('close', () => clearInterval(drip));
    });
    expect(['status 408', 'closed']).toContain(outcome);
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});
