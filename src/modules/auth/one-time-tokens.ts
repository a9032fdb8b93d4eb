import { randomToken, sha256Hex } from '../../lib/crypto.ts';

/**
 * One-time tokens sent by email (CONTRACT §3): 32 random bytes behind a prefix that says what they are for. Only
 * the SHA-256 is stored; a token is found by its digest through a unique index (no comparison of the secret
 * itself happens in code), and used once by an UPDATE that succeeds only while it is unused and unexpired.
 */
export const TOKEN_KINDS = {
  verify_email: { prefix: 'egv_', ttlMs: 48 * 60 * 60 * 1000 },
  reset_password: { prefix: 'egr_', ttlMs: 60 * 60 * 1000 },
  invitation: { prefix: 'egi_', ttlMs: 7 * 24 * 60 * 60 * 1000 },
} as const;

export type TokenKind = keyof typeof TOKEN_KINDS;

/** `nowMs`: the database's time (deps.clock), which the token's expiry is compared with. */
export function newOneTimeToken(kind: TokenKind, nowMs: number): { token: string; tokenHash: string; expiresAt: Date } {
  const token = `${TOKEN_KINDS[kind].prefix}${randomToken(32)}`;
  return { token, tokenHash: sha256Hex(token), expiresAt: new Date(nowMs + TOKEN_KINDS[kind].ttlMs) };
}

/** The digest to look a presented token up by; null when it cannot be one of `kind` (wrong prefix or shape). */
export function presentedTokenHash(kind: TokenKind, token: string): string | null {
  const { prefix } = TOKEN_KINDS[kind];
  if (!token.startsWith(prefix) || !/^[A-Za-z0-9_-]{40,60}$/.test(token.slice(prefix.length))) return null;
  return sha256Hex(token);
}
