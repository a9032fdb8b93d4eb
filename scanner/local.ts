import type { Synced, SyncedAttendee } from './store.ts';

/**
 * Deciding a scan without the network: a random code is recognised by its SHA-256 in the synced list; a signed
 * code (eg1.<payload>.<signature>) by its Ed25519 signature under a synced key (WebCrypto), so a ticket sold
 * after the last sync passes too, unless the synced list has a newer code for its attendee; the revoked list and this
 * device's own entries are honoured.
 */

export type LocalDecision =
  | { outcome: 'accepted'; attendee: Pick<SyncedAttendee, 'id' | 'first_name' | 'last_name' | 'ticket_type'> }
  | { outcome: 'duplicate'; attendee: Pick<SyncedAttendee, 'id' | 'first_name' | 'last_name' | 'ticket_type'>; firstAt: string }
  | {
      outcome: 'rejected';
      reason: 'unknown_ticket' | 'other_event' | 'invalid_code' | Refusal;
      attendee?: Pick<SyncedAttendee, 'id' | 'first_name' | 'last_name' | 'ticket_type'>;
    };

/** Statuses whose holder has no ticket, each refused offline with its own reason (the server's). */
export type Refusal = 'cancelled' | 'waitlisted' | 'offered' | 'pending_approval' | 'declined';
const NO_TICKET: ReadonlySet<string> = new Set<Refusal>(['cancelled', 'waitlisted', 'offered', 'pending_approval', 'declined']);

/** Why a synced attendee is refused at the door offline, or null when their ticket is valid. */
export function refusalOf(attendee: Pick<SyncedAttendee, 'status'>): Refusal | null {
  return NO_TICKET.has(attendee.status) ? (attendee.status as Refusal) : null;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The payload of a signed code whose signature holds under one of the synced keys, or null. */
export async function verifySigned(code: string, synced: Synced): Promise<{ a: string; e: string; t: string; k: string } | null> {
  const parts = code.split('.');
  if (parts.length !== 3 || parts[0] !== 'eg1') return null;
  try {
    const payload = JSON.parse(new TextDecoder().decode(fromBase64url(parts[1]!))) as { a: string; e: string; t: string; k: string };
    const key = synced.signing_keys.find((k) => k.kid === payload.k && k.alg === 'Ed25519');
    if (!key) return null;
    const publicKey = await crypto.subtle.importKey('raw', fromBase64url(key.public_key), { name: 'Ed25519' }, false, ['verify']);
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, fromBase64url(parts[2]!), new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
    return ok ? payload : null;
  } catch {
    return null;
  }
}

/** `byHash`: the synced attendees by token_sha256 (built once per sync). `entries`: this device's own entries. */
export async function decideLocally(
  code: string,
  synced: Synced,
  byHash: Map<string, SyncedAttendee>,
  entries: Record<string, string>,
): Promise<LocalDecision> {
  let attendee: SyncedAttendee | undefined;
  if (code.startsWith('eg1.')) {
    const payload = await verifySigned(code, synced);
    // A revoked code: the synced list says why when it knows the attendee, else it was a cancellation.
    if (synced.revoked_codes.includes(code)) {
      const known = payload ? synced.attendees[payload.a] : undefined;
      return { outcome: 'rejected', reason: (known && refusalOf(known)) || 'cancelled' };
    }
    if (!payload) return { outcome: 'rejected', reason: 'invalid_code' };
    if (payload.e !== synced.event.id) return { outcome: 'rejected', reason: 'other_event' };
    const known = synced.attendees[payload.a];
    // A synced attendee's current code is the one the list knows: another validly signed code for them was replaced
    // (their data erased, say) and no longer opens the door.
    if (known && known.token_sha256 !== (await sha256Hex(code))) return { outcome: 'rejected', reason: 'unknown_ticket' };
    attendee = known ?? {
      id: payload.a,
      token_sha256: '',
      first_name: 'New ticket',
      last_name: '(not synced yet)',
      ticket_type: null,
      status: 'registered',
      checked_in_at: null,
      zone_id: null,
    };
  } else {
    attendee = byHash.get(await sha256Hex(code));
  }
  if (!attendee) return { outcome: 'rejected', reason: 'unknown_ticket' };
  const refusal = refusalOf(attendee);
  if (refusal) return { outcome: 'rejected', reason: refusal, attendee };
  const firstAt = entries[attendee.id] ?? (attendee.status === 'checked_in' ? attendee.checked_in_at : null);
  if (firstAt) return { outcome: 'duplicate', attendee, firstAt };
  return { outcome: 'accepted', attendee };
}
