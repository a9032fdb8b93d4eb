import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { AppError, invalidField, invalidInput } from '../lib/errors.ts';
import { attributeName, MAX_NESTING, tooDeepPath } from '../lib/validation.ts';
import type { AppEnv } from './context.ts';

export const MAX_JSON_BODY_BYTES = 1_000_000;

/**
 * Strict UTF-8 (invalid bytes throw). One for the process: decode() without `stream` keeps no state between
 * calls, and building a decoder per request cost ~2 µs of a registration's CPU (issue 32).
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request's JSON object. Non-JSON content types are 415, bodies over 1 MB 413, malformed JSON 400
 * `invalid_json`, and JSON that is not an object a 422 naming `body` — never a 500.
 */
export async function readJsonObject(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json' && !type?.endsWith('+json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as JSON with the header Content-Type: application/json.');
  }
  const bytes = await readBodyLimited(c.req.raw, MAX_JSON_BODY_BYTES, c.env?.incoming);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new AppError('INVALID_JSON', 'The request body is not valid UTF-8.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError('INVALID_JSON', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidField('body', 'The request body must be a JSON object.');
  }
  const deep = tooDeepPath(parsed);
  if (deep) {
    const field = deep[0] ?? 'body';
    throw invalidInput({ [field]: [`The ${attributeName(field)} field must not be nested more than ${MAX_NESTING} levels deep.`] });
  }
  return parsed as Record<string, unknown>;
}

/**
 * The request body, counted while it streams in: past `limit` bytes reading stops at once and the request is a
 * 413 (its connection is closed after the answer, so the rest is never read). A declared Content-Length over the
 * limit is refused before reading anything.
 */
export async function readBodyLimited(request: Request, limit: number, incoming?: IncomingMessage): Promise<Uint8Array> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) throw tooLarge(limit);
  if (incoming) return await readIncomingLimited(incoming, limit);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * The same, from the Node request itself when the server hands it over (hono's Node adapter: `c.env.incoming`):
 * reading `request.body` makes the adapter build a full web Request and a stream over the socket first, ~50 µs of
 * a registration's CPU (measured in the API's CPU profile under load: 1.2 of 13 s, issue 32). Past `limit` it
 * stops reading (the rest stays unread; the 413 closes the connection).
 */
function readIncomingLimited(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  // A client gone before the body was read (its 'close' already fired), or a body already read: no event will come.
  if (incoming.destroyed || incoming.readableEnded) return Promise.reject(clientGone());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        incoming.pause();
        finish(tooLarge(limit));
      } else chunks.push(chunk);
    };
    const onEnd = () => finish();
    // An error on the request's stream is its connection's ('aborted', ECONNRESET): the client is gone, whatever the
    // code says (passed on as is, an ECONNRESET would read as "database unreachable" in the log and a 503).
    const onClose = () => finish(clientGone());
    incoming.on('data', onData).on('end', onEnd).on('error', onClose).on('close', onClose);
  });
}

/**
 * The client left mid-body: an incomplete body, so a 400 (nobody reads it, but the access log shows an ordinary
 * request) — not an unhandled error logged with a stack for every dropped connection.
 */
function clientGone(): AppError {
  return new AppError('INVALID_JSON', 'The client closed the connection before its request body ended.');
}

function tooLarge(limit: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The request body must not be larger than ${limit} bytes.`, { headers: { Connection: 'close' } });
}

/** JSON with exactly these bytes (JSON.stringify of `body`), the given status and headers, and the request's own. */
export function jsonResponse(c: Context<AppEnv>, body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return jsonTextResponse(c, JSON.stringify(body), status, headers);
}

/** The same for a body already serialised (e.g. an idempotent replay, which must be byte-identical). */
export function jsonTextResponse(c: Context<AppEnv>, text: string, status: number, headers: Record<string, string> = {}): Response {
  c.set('responseHeadersApplied', true);
  return new Response(text, { status, headers: { 'content-type': 'application/json; charset=utf-8', ...c.get('responseHeaders'), ...headers } });
}
