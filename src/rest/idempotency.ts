import type { Sql } from '../db/sql.ts';
import type { Deps } from '../deps.ts';
import { sha256Hex } from '../lib/crypto.ts';
import { invalidField, isUniqueViolation } from '../lib/errors.ts';
import { newId } from '../lib/ids.ts';
import { claimIdempotencyKey, storeIdempotentResponse } from './idempotency.sql.ts';

const TTL_MS = 24 * 60 * 60 * 1000;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
  status: number;
  /** The exact JSON text sent, so a replay is byte-identical. */
  body: string;
  headers: Record<string, string>;
}

export interface IdempotencyHooks {
  onTransactionStart(sql: Sql): Promise<void>;
  complete(sql: Sql, response: StoredResponse): Promise<void>;
}

interface Scope {
  organisationId: string;
  apiKeyId: string;
  key: string;
  method: string;
  path: string;
  /** The parsed request body; compared by content, so whitespace and key order do not matter. */
  body: unknown;
}

/**
 * Idempotency-Key (Stripe's contract): the first request with a key runs and its response is stored for 24 h;
 * the same key with the same body replays that response (status, body, Location) with
 * `Idempotent-Replayed: true`; with a different body it is a 422.
 *
 * Which responses are stored, as Stripe does: every outcome decided once the work began — the 201, and a
 * refusal decided in the registration's transaction (duplicate email, sold out, event full or closed, event
 * deleted meanwhile). Not stored: a request refused before it began (malformed or invalid body, unknown or
 * foreign event, authentication, rate limit), and a failure that rolled everything back (500, 503) — those
 * changed nothing, so a retry with the same key simply runs.
 *
 * The key is claimed by inserting its row first thing in the work's own transaction, and completed with the
 * response at its end. A concurrent request with the same key blocks on that row's unique index until the
 * first commits, then replays it; if the first rolls back (or its process dies), nothing is left behind and
 * the second simply runs. So one key can never create two attendees, and no key is ever stuck.
 */
export async function idempotent(
  deps: Deps,
  scope: Scope,
  run: (hooks: IdempotencyHooks) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (!KEY_SHAPE.test(scope.key)) {
    throw invalidField('idempotency_key', 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.');
  }
  const requestHash = sha256Hex(`${scope.method} ${scope.path}\n${canonicalJson(scope.body)}`);
  const where = { apiKeyId_key: { apiKeyId: scope.apiKeyId, key: scope.key } };
  const replay = async () => {
    const stored = await deps.prisma.idempotencyKey.findUnique({ where });
    if (!stored || stored.expiresAt.getTime() <= deps.clock.nowMs()) return null;
    if (stored.requestHash !== requestHash) {
      throw invalidField('idempotency_key', 'This Idempotency-Key was already used with a different request; use a new key.');
    }
    return {
      status: stored.responseStatus ?? 500,
      body: stored.responseBody ?? '',
      headers: (stored.responseHeaders ?? {}) as Record<string, string>,
      replayed: true,
    };
  };

  const earlier = await replay();
  if (earlier) return earlier;
  await deps.prisma.idempotencyKey.deleteMany({ where: { apiKeyId: scope.apiKeyId, key: scope.key, expiresAt: { lte: deps.clock.now() } } });

  const id = newId('idempotencyKey');
  try {
    const response = await run({
      onTransactionStart: async (sql) => {
        await claimIdempotencyKey(sql, { id, ...scope, requestHash, expiresAt: new Date(deps.clock.nowMs() + TTL_MS) });
      },
      complete: async (sql, stored) => {
        await storeIdempotentResponse(sql, id, stored);
      },
    });
    return { ...response, replayed: false };
  } catch (error) {
    // Another request with this key committed while ours waited on the key's row: answer as it did.
    if (isUniqueViolation(error, 'idempotency_keys_api_key_id_key_key')) {
      const winner = await replay();
      if (winner) return winner;
    }
    throw error;
  }
}

/** JSON with object keys sorted at every level: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
