import { createHmac } from 'node:crypto';
import type { Hono } from 'hono';
import type { Deps } from '../../deps.ts';
import type { AuthenticatedActor } from '../../lib/actor.ts';
import { constantTimeEqual } from '../../lib/crypto.ts';
import type { AppEnv } from '../../rest/context.ts';
import { findCachedEvent } from '../events/index.ts';
import { exportAttendeesCsv } from './attendees.read.ts';

/**
 * The attendee CSV as a download, for the dashboard (and any GraphQL client): `attendeesCsvDownload` answers a
 * link that is good for DOWNLOAD_LINK_SECONDS, and the browser fetches the file from it like any other download —
 * streamed a page at a time as REST's export is, so no response, in the server or the browser's script, holds an
 * event in memory (the former `attendeesCsv` string was 60 MB at 300,000 attendees and +650 MB of server memory).
 *
 * The link names the event, the credential that asked (a session or an API key) and its expiry, signed with an
 * HMAC of the instance's SECRET_KEY; nothing is stored. When it is used, the credential must still be live (a
 * session not logged out or expired, a member still; a key not revoked) and allowed to read the event's attendees.
 */
export const DOWNLOAD_LINK_SECONDS = 300;

export interface Download {
  url: string;
  expiresAt: Date;
}

export async function attendeesCsvDownload(deps: Deps, options: { actor: AuthenticatedActor; eventId: string }): Promise<Download> {
  const event = await findCachedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const credential = options.actor.kind === 'user' ? options.actor.sessionId : options.actor.apiKeyId;
  const expires = Math.floor(deps.clock.nowMs() / 1000) + DOWNLOAD_LINK_SECONDS;
  const token = `${event.id}.${credential}.${expires}.${signature(deps.secretKey, event.id, credential, expires)}`;
  return { url: `${deps.config.publicUrl}/downloads/attendees.csv?token=${token}`, expiresAt: new Date(expires * 1000) };
}

/** GET /downloads/attendees.csv?token=…: the file, or a JSON error (the REST shape) saying why not. */
export function mountAttendeesDownload(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/downloads/attendees.csv', async (c) => {
    const refuse = (status: 403 | 404, error: string, message: string) => c.json({ error, message }, status, { 'cache-control': 'no-store' });
    const match = /^([a-z]+_[0-9a-z]{26})\.([a-z]+_[0-9a-z]{26})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(c.req.query('token') ?? '');
    if (!match) return refuse(404, 'not_found', 'This is not a download link.');
    const [, eventId, credential, expiresText, given] = match as unknown as [string, string, string, string, string];
    const expires = Number(expiresText);
    if (!constantTimeEqual(given, signature(deps.secretKey, eventId, credential, expires))) return refuse(404, 'not_found', 'This is not a download link.');
    if (expires * 1000 <= deps.clock.nowMs()) return refuse(403, 'link_expired', 'This download link has expired. Start the download again.');
    const actor = await findDownloadActor(deps, credential);
    if (!actor) return refuse(403, 'link_revoked', 'The session or API key that made this link is no longer valid. Log in and start the download again.');
    const event = await findCachedEvent(deps, { actor, eventId, permission: 'attendees:read' });
    const chunks = await exportAttendeesCsv(deps, { actor, eventId });
    return csvResponse(chunks, `${fileNamePart(event.name)}-attendees.csv`);
  });
}

/** A CSV file streamed from `chunks`, one pulled per read: the socket's pace, never the whole file in memory. */
export function csvResponse(chunks: AsyncGenerator<string>, fileName: string): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    // Nothing read ahead of the socket: the next page is queried when the last one has been taken.
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'no-store',
    },
  });
}

/** The credential a link names, if it is still live: a session not ended whose user is still a member, or a key not revoked. */
async function findDownloadActor(deps: Deps, credential: string): Promise<AuthenticatedActor | null> {
  if (credential.startsWith('ses_')) {
    const session = await deps.prisma.session.findUnique({ where: { id: credential } });
    if (!session || session.expiresAt.getTime() <= deps.clock.nowMs()) return null;
    const membership = await deps.prisma.membership.findFirst({ where: { userId: session.userId, organisationId: session.organisationId } });
    if (!membership) return null;
    return { kind: 'user', userId: session.userId, organisationId: session.organisationId, role: membership.role, sessionId: session.id };
  }
  const key = await deps.prisma.apiKey.findUnique({ where: { id: credential } });
  if (!key || key.revokedAt) return null;
  return { kind: 'apiKey', apiKeyId: key.id, keyPrefix: key.prefix, organisationId: key.organisationId, environment: key.environment };
}

/** An event's name as part of a file name: lower-case letters and digits joined by dashes ("launch-night"). */
function fileNamePart(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'event'
  );
}

function signature(secretKey: string, eventId: string, credential: string, expires: number): string {
  return createHmac('sha256', secretKey).update(`attendees-csv:${eventId}:${credential}:${expires}`).digest('base64url');
}
