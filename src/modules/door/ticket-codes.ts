import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Deps } from '../../deps.ts';
import type { Prisma, TicketSigningKey } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { decryptSecret, encryptSecret } from '../../lib/crypto.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';

/**
 * Signed ticket codes (events with ticketCodes SIGNED): `eg1.<payload>.<signature>`, base64url parts, the
 * signature Ed25519 over the ASCII bytes `eg1.<payload>`, the payload JSON
 * `{"a": attendee id, "e": event id, "t": ticket type id, "k": key id, "i": issued at (epoch seconds)}`.
 * A door verifies one against the organisation's public keys (scanner sync's signing_keys) with no network.
 * Each organisation has one signing key at a time; rotation keeps the old ones verifying until retired.
 */

export const SIGNED_CODE_PREFIX = 'eg1.';
const MAX_CODE_LENGTH = 600;

export interface SignedPayload {
  a: string;
  e: string;
  t: string;
  k: string;
  i: number;
}

interface LoadedKey {
  record: TicketSigningKey;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Decrypted private keys by id, so signing a registration costs a signature, not a decryption. */
const loadedKeys = new LRUCache<string, LoadedKey>({ max: 1_000 });

/** Keys that still verify (not retired), newest first. */
export async function activeSigningKeys(deps: Pick<Deps, 'prisma'>, organisationId: string): Promise<TicketSigningKey[]> {
  return await deps.prisma.ticketSigningKey.findMany({
    where: { organisationId, retiredAt: null },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

/** The key new codes are signed with: the newest not rotated out; created on first use. */
async function currentSigningKey(deps: Pick<Deps, 'prisma' | 'secretKey'>, organisationId: string): Promise<LoadedKey> {
  const existing = await deps.prisma.ticketSigningKey.findFirst({
    where: { organisationId, retiredAt: null, rotatedAt: null },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  return load(deps, existing ?? (await createSigningKey(deps, organisationId)));
}

async function createSigningKey(deps: Pick<Deps, 'prisma' | 'secretKey'>, organisationId: string): Promise<TicketSigningKey> {
  return await deps.prisma.ticketSigningKey.create({ data: newKeyData(deps, organisationId) });
}

/** A fresh Ed25519 pair: the public half as base64url of its raw 32 bytes, the private half encrypted. */
function newKeyData(deps: Pick<Deps, 'secretKey'>, organisationId: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    id: newId('signingKey'),
    organisationId,
    publicKey: publicKey.export({ format: 'jwk' }).x!,
    privateKeyEncrypted: encryptSecret(privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'), deps.secretKey),
  };
}

function load(deps: Pick<Deps, 'secretKey'>, record: TicketSigningKey): LoadedKey {
  const cached = loadedKeys.get(record.id);
  if (cached) return cached;
  const privateKey = createPrivateKey({ key: Buffer.from(decryptSecret(record.privateKeyEncrypted, deps.secretKey), 'base64'), format: 'der', type: 'pkcs8' });
  const loaded = { record, privateKey, publicKey: createPublicKey(privateKey) };
  loadedKeys.set(record.id, loaded);
  return loaded;
}

/** A signer for one organisation's new codes (one key lookup for a whole batch of registrations). */
export async function ticketSigner(
  deps: Pick<Deps, 'prisma' | 'secretKey' | 'clock'>,
  organisationId: string,
): Promise<(attendee: { id: string; eventId: string; ticketTypeId: string }) => string> {
  const key = await currentSigningKey(deps, organisationId);
  return (attendee) => {
    const payload: SignedPayload = {
      a: attendee.id,
      e: attendee.eventId,
      t: attendee.ticketTypeId,
      k: key.record.id,
      i: Math.floor(deps.clock.nowMs() / 1000),
    };
    const signed = `${SIGNED_CODE_PREFIX}${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${signed}.${sign(null, Buffer.from(signed, 'ascii'), key.privateKey).toString('base64url')}`;
  };
}

export function looksSigned(code: string): boolean {
  return code.startsWith(SIGNED_CODE_PREFIX);
}

/**
 * The payload of a code whose signature holds under one of the organisation's keys that still verify, or null
 * (malformed, altered, forged, or signed by a retired key).
 */
export async function verifyTicketCode(deps: Pick<Deps, 'prisma' | 'secretKey'>, code: string): Promise<SignedPayload | null> {
  const payload = parseSignedCode(code);
  return payload && (await verifyTicketCodes(deps, [code])).has(code) ? payload : null;
}

/** The payload of a well-formed signed code (signature not checked), or null. */
function parseSignedCode(code: string): SignedPayload | null {
  if (code.length > MAX_CODE_LENGTH || !looksSigned(code)) return null;
  const parts = code.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as SignedPayload;
    return typeof payload?.k === 'string' && typeof payload.a === 'string' && typeof payload.e === 'string' ? payload : null;
  } catch {
    return null;
  }
}

function signatureHolds(code: string, publicKey: KeyObject): boolean {
  const [prefix, payload, signature] = code.split('.');
  return verify(null, Buffer.from(`${prefix}.${payload}`, 'ascii'), publicKey, Buffer.from(signature!, 'base64url'));
}

/** The codes among `codes` that verify (one key lookup for all of them). */
export async function verifyTicketCodes(deps: Pick<Deps, 'prisma' | 'secretKey'>, codes: string[]): Promise<Set<string>> {
  const parsed = [...new Set(codes)].flatMap((code) => {
    const payload = parseSignedCode(code);
    return payload ? [{ code, payload }] : [];
  });
  if (parsed.length === 0) return new Set();
  const keys = await deps.prisma.ticketSigningKey.findMany({ where: { id: { in: [...new Set(parsed.map((p) => p.payload.k))] }, retiredAt: null } });
  const byId = new Map(keys.map((k) => [k.id, load(deps, k)]));
  return new Set(parsed.filter(({ code, payload }) => byId.has(payload.k) && signatureHolds(code, byId.get(payload.k)!.publicKey)).map((p) => p.code));
}

/** The caller's organisation's signing keys, newest first (owners and admins). */
export async function listTicketSigningKeys(
  deps: Deps,
  options: { actor: Actor; query?: Omit<Prisma.TicketSigningKeyFindManyArgs, 'where' | 'orderBy'> },
): Promise<TicketSigningKey[]> {
  const actor = authorize(options.actor, 'door:manage');
  return await deps.prisma.ticketSigningKey.findMany({
    ...options.query,
    where: { organisationId: actor.organisationId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

/**
 * A new signing key for the caller's organisation (owners and admins): new codes are signed with it; codes
 * already issued keep verifying with the old key, which scanner sync keeps listing until it is retired.
 */
export async function rotateTicketSigningKey(deps: Deps, options: { actor: Actor }): Promise<TicketSigningKey> {
  const actor = authorize(options.actor, 'door:manage');
  return await deps.prisma.$transaction(async (tx) => {
    await tx.ticketSigningKey.updateMany({ where: { organisationId: actor.organisationId, rotatedAt: null }, data: { rotatedAt: deps.clock.now() } });
    return await tx.ticketSigningKey.create({ data: newKeyData(deps, actor.organisationId) });
  });
}

/** Codes signed with a retired key no longer verify (devices drop it at their next sync). Not the current key. */
export async function retireTicketSigningKey(deps: Deps, options: { actor: Actor; keyId: string }): Promise<TicketSigningKey> {
  const actor = authorize(options.actor, 'door:manage');
  const key = await deps.prisma.ticketSigningKey.findUnique({ where: { id: options.keyId } });
  if (!key || key.organisationId !== actor.organisationId) throw notFound('Signing key');
  if (!key.rotatedAt) throw invalidField('id', 'The current signing key cannot be retired; rotate it first.');
  return await deps.prisma.ticketSigningKey.update({ where: { id: key.id }, data: { retiredAt: key.retiredAt ?? deps.clock.now() } });
}
