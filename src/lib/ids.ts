import { TypeID, typeid } from 'typeid-js';

/** TypeID prefixes (CONTRACT §2 names the first nine; the rest are internal records). */
export const ID_PREFIX = {
  organisation: 'org',
  user: 'usr',
  event: 'evt',
  ticketType: 'tkt',
  customField: 'fld',
  attendee: 'att',
  apiKey: 'key',
  webhookEndpoint: 'whk',
  webhookDelivery: 'whd',
  webhookAttempt: 'wha',
  membership: 'mem',
  session: 'ses',
  emailLog: 'eml',
  idempotencyKey: 'idk',
  importJob: 'imp',
  userToken: 'ust',
  invitation: 'inv',
  zone: 'zon',
  scan: 'scn',
  scannerDevice: 'dev',
  signingKey: 'sgk',
  auditEntry: 'aud',
  accessCode: 'acc',
  quota: 'quo',
} as const;

export type IdKind = keyof typeof ID_PREFIX;
export type IdPrefix = (typeof ID_PREFIX)[IdKind];

/** A new TypeID (`evt_01jd9…`): prefix + base32 UUIDv7, so ids sort by creation time. */
export function newId(kind: IdKind): string {
  return typeid(ID_PREFIX[kind]).toString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads an id a client sent: the kind's TypeID, or (the seed calls event_id "the UUID") the plain UUID it
 * encodes. Returns null for anything else, so callers answer "not found" instead of throwing.
 */
export function parseId(kind: IdKind, input: string): string | null {
  const prefix = ID_PREFIX[kind];
  try {
    if (UUID.test(input)) return TypeID.fromUUID(prefix, input.toLowerCase()).toString();
    return TypeID.fromString(input, prefix).toString();
  } catch {
    return null;
  }
}

/** The plain UUID behind a TypeID. */
export function idToUuid(id: string): string {
  return TypeID.fromString(id).toUUID();
}

/** When a TypeID was made (its UUIDv7's milliseconds); null for anything else. */
export function idTime(id: string): number | null {
  try {
    const hex = TypeID.fromString(id).toUUID().replaceAll('-', '');
    return hex[12] === '7' ? Number.parseInt(hex.slice(0, 12), 16) : null;
  } catch {
    return null;
  }
}
