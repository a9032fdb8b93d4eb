import type { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../lib/errors.ts';
import { jsonResponse } from '../../rest/body.ts';
import type { AppEnv } from '../../rest/context.ts';
import { ErrorBody, errorResponses, json, REQUEST_ID, unavailable } from '../../rest/openapi-parts.ts';
import { defineRoute } from '../../rest/route.ts';
import { escapeHtml } from '../emails/index.ts';
import { presentAttendee } from './registrations.present.ts';
import { AttendeeResponse } from './registrations.schemas.ts';
import { claimOffer, describeOffer } from './waitlist.ts';

const OfferPath = z.object({ token: z.string().meta({ description: 'The token of the emailed claim link', example: 'att_01jd9q3z8ne7fbk1t4q2ga3c5x.Zm9v…' }) });

/** POST /v1/public/waitlist-offers/{token}/claim: no key (the token is the credential); CORS open like the public form. */
export const claimRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/public/waitlist-offers/{token}/claim',
    auth: 'public',
    limit: 'publicForm',
    document: {
      operationId: 'claimWaitlistOffer',
      tags: ['Public form'],
      summary: 'Claim a seat offered from the waitlist',
      description:
        'The person a freed seat was offered to (waitlist OFFER) takes it: 200 with the registration, now "registered" with its QR code; ' +
        'the ticket email follows and attendee.registered fires. Claiming again answers the same registration and changes nothing. ' +
        'After the offer’s time (offerHours) it is 410 and the seat has gone to the next person in line.',
      request: { params: OfferPath },
      responses: {
        200: { description: 'Claimed: the registration', headers: z.object(REQUEST_ID), content: json(AttendeeResponse) },
        404: errorResponses[404],
        410: {
          description: 'The offer has expired',
          content: json(ErrorBody, {
            gone: { value: { error: 'gone', message: 'This offer has expired; the seat went to the next person on the waitlist.' } },
          }),
        },
        429: errorResponses[429],
        503: unavailable,
      },
    },
    handle: async (c, deps) => {
      const { attendee, event } = await claimOffer(deps, { token: c.req.param('token') ?? '' });
      const ticketType = event.ticketTypes.find((t) => t.id === attendee.ticketTypeId)!;
      return jsonResponse(c, presentAttendee(deps, { ...attendee, ticketType }, event.customFields), 200);
    },
  }),
];

const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1f2933; max-width: 36rem; margin: 3rem auto; padding: 0 1rem;">
<main>
<h1 style="font-size: 1.4rem;">${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

/**
 * The claim link's page (GET /waitlist-offers/{token}): the offer, and one button that claims it (a form POST to the
 * same address, so it works without script). What it says is what the claim endpoint decides.
 */
export function mountClaimPage(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/waitlist-offers/:token', async (c) => {
    const token = c.req.param('token');
    try {
      const { attendee, event, state } = await describeOffer(deps, { token });
      const type = event.ticketTypes.find((t) => t.id === attendee.ticketTypeId)?.name ?? '';
      const e = escapeHtml;
      const body =
        state === 'open'
          ? `<p>A ${e(type)} seat for <strong>${e(event.name)}</strong> is held for ${e(attendee.firstName)} until ${e(attendee.offerExpiresAt!.toUTCString())}.</p>
<form method="post" action="/waitlist-offers/${e(token)}"><button type="submit" style="font-size: 1rem; padding: .6rem 1.2rem;">Claim my seat</button></form>`
          : state === 'claimed'
            ? `<p>This seat for <strong>${e(event.name)}</strong> is already yours. Your ticket was sent by email.</p>`
            : `<p>This offer for <strong>${e(event.name)}</strong> has expired; the seat went to the next person on the waitlist.</p>`;
      return c.html(page(state === 'open' ? 'A seat is free for you' : state === 'claimed' ? 'Seat claimed' : 'Offer expired', body), 200, {
        'content-security-policy': CSP,
        'cache-control': 'no-store',
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') {
        return c.html(page('Offer not found', '<p>This link is not a valid waitlist offer.</p>'), 404, { 'content-security-policy': CSP });
      }
      throw error;
    }
  });
  app.post('/waitlist-offers/:token', async (c) => {
    try {
      const { event } = await claimOffer(deps, { token: c.req.param('token') });
      return c.html(page('Seat claimed', `<p>You have a seat at <strong>${escapeHtml(event.name)}</strong>. Your ticket is on its way by email.</p>`), 200, {
        'content-security-policy': CSP,
        'cache-control': 'no-store',
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'GONE') {
        return c.html(page('Offer expired', `<p>${escapeHtml(error.message)}</p>`), 410, { 'content-security-policy': CSP });
      }
      if (error instanceof AppError && error.code === 'NOT_FOUND') {
        return c.html(page('Offer not found', '<p>This link is not a valid waitlist offer.</p>'), 404, { 'content-security-policy': CSP });
      }
      throw error;
    }
  });
}
