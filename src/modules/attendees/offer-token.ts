import { createHmac } from 'node:crypto';
import type { Deps } from '../../deps.ts';
import { constantTimeEqual } from '../../lib/crypto.ts';

/**
 * A waitlist offer's claim token: `<attendee id>.<HMAC>`, the HMAC over the attendee, their ticket's secret and the
 * offer's expiry. Nothing secret is stored: the token is derived again wherever it is needed (the offer email, a
 * retry of it) and checked against the row; an offer made again (another expiry) gets another token, and a token
 * of an offer that ran out still names it, so a late claim is told "gone" rather than "not found".
 */
export function offerToken(secretKey: string, attendee: { id: string; qrToken: string; offerExpiresAt: Date }): string {
  return `${attendee.id}.${offerSignature(secretKey, attendee)}`;
}

/** The attendee id a token names, or null for something that is not a token. */
export function offerTokenAttendeeId(token: string): string | null {
  const match = /^([a-z]+_[0-9a-z]{26})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? match[1]! : null;
}

/** Whether `token` is the claim token of this attendee's current (or last) offer. Constant time. */
export function isOfferToken(secretKey: string, token: string, attendee: { id: string; qrToken: string; offerExpiresAt: Date | null }): boolean {
  if (!attendee.offerExpiresAt) return false;
  return constantTimeEqual(token, offerToken(secretKey, { ...attendee, offerExpiresAt: attendee.offerExpiresAt }));
}

/** The page a claim link opens (it shows the offer and claims it with one button). */
export function offerClaimUrl(deps: Pick<Deps, 'config' | 'secretKey'>, attendee: { id: string; qrToken: string; offerExpiresAt: Date }): string {
  return `${deps.config.publicUrl}/waitlist-offers/${offerToken(deps.secretKey, attendee)}`;
}

function offerSignature(secretKey: string, attendee: { id: string; qrToken: string; offerExpiresAt: Date }): string {
  return createHmac('sha256', secretKey)
    .update(`waitlist-offer:${attendee.id}:${attendee.qrToken}:${attendee.offerExpiresAt.toISOString()}`)
    .digest('base64url');
}
