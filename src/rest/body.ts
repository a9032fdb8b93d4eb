import type { Context } from 'hono';
import { AppError, invalidField } from '../lib/errors.ts';
import type { AppEnv } from './context.ts';

export const MAX_JSON_BODY_BYTES = 1_000_000;

/**
 * The request's JSON object. Non-JSON content types are 415, bodies over 1 MB 413, malformed JSON 400
 * `invalid_json`, and JSON that is not an object a 422 naming `body` — never a 500.
 */
export async function readJsonObject(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json' && !type?.endsWith('+json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as JSON with the header Content-Type: application/json.');
  }
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > MAX_JSON_BODY_BYTES) throw tooLarge();
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > MAX_JSON_BODY_BYTES) throw tooLarge();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
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
  return parsed as Record<string, unknown>;
}

function tooLarge(): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The request body must not be larger than ${MAX_JSON_BODY_BYTES} bytes.`);
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
