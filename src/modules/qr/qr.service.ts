import { createHmac } from 'node:crypto';
import type { Deps } from '../../deps.ts';
import { constantTimeEqual } from '../../lib/crypto.ts';
import { notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { qrPng } from './qr-png.ts';

/** What a ticket's QR code carries: its signed code (events with signed codes), else its random qr_token. */
export function ticketContent(attendee: { qrToken: string; ticketCode: string | null }): string {
  return attendee.ticketCode ?? attendee.qrToken;
}

/**
 * qr_code_url is `${PUBLIC_URL}/qr/<attendee id>.png?sig=<HMAC>` — the seed page's shape, unguessable from the
 * attendee id alone, and without the ticket's secret (qr_token) in URLs and access logs. The signature covers
 * the token too, so a re-issued token gets a new URL.
 */
export function qrCodeUrl(deps: Pick<Deps, 'config' | 'secretKey'>, attendee: { id: string; qrToken: string }): string {
  return `${deps.config.publicUrl}/qr/${attendee.id}.png?sig=${qrSignature(deps.secretKey, attendee)}`;
}

function qrSignature(secretKey: string, attendee: { id: string; qrToken: string }): string {
  return createHmac('sha256', secretKey).update(`qr:${attendee.id}:${attendee.qrToken}`).digest('base64url').slice(0, 32);
}

/** The PNG for a signed QR URL; an unknown attendee or a wrong signature are both "not found". */
export async function renderQrCode(deps: Deps, options: { attendeeId: string; signature: string }): Promise<{ png: Buffer; etag: string }> {
  const id = parseId('attendee', options.attendeeId);
  const attendee = id ? await deps.prisma.attendee.findUnique({ where: { id }, select: { id: true, qrToken: true, ticketCode: true } }) : null;
  if (!attendee || !constantTimeEqual(qrSignature(deps.secretKey, attendee), options.signature)) throw notFound('QR code');
  const png = qrPng(ticketContent(attendee));
  return { png, etag: `"${options.signature}"` };
}
