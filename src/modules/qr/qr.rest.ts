import { z } from 'zod';
import { notFound } from '../../lib/errors.ts';
import { ErrorBody, header, json, REQUEST_ID } from '../../rest/openapi-parts.ts';
import { defineRoute } from '../../rest/route.ts';
import { renderQrCode } from './qr.service.ts';

/**
 * GET /qr/{attendee_id}.png?sig=… — the image behind qr_code_url. It is the ticket itself, so like every response
 * it is never stored by a cache (`Cache-Control: no-store`, set for all routes); an ETag still spares a re-download.
 */
export const qrRoutes = [
  defineRoute({
    method: 'get',
    path: '/qr/{file}',
    auth: 'public',
    document: {
      operationId: 'getQrCode',
      tags: ['Registrations'],
      summary: 'The QR code image of a registration',
      description: 'The image behind qr_code_url (its signature is the credential). Never cached by intermediaries; an ETag spares a re-download.',
      request: {
        params: z.object({ file: z.string().meta({ description: '<attendee_id>.png', example: 'att_01hxyz5m3n4p5q6r7s8t9v0w1x.png' }) }),
        query: z.object({ sig: z.string().meta({ description: 'The signature from qr_code_url' }) }),
        headers: z.object({ 'If-None-Match': z.string().optional() }),
      },
      responses: {
        200: {
          description: 'The PNG',
          headers: z.object({ ...REQUEST_ID, ETag: header('The image’s version') }),
          content: { 'image/png': { schema: z.string().meta({ format: 'binary' }) } },
        },
        304: { description: 'Not modified (If-None-Match matched)', headers: z.object(REQUEST_ID) },
        404: { description: 'No such registration, or a wrong signature', headers: z.object(REQUEST_ID), content: json(ErrorBody) },
      },
    },
    handle: async (c, deps) => {
      const match = /^(att_[0-9a-z]{26})\.png$/.exec(c.req.param('file') ?? '');
      const signature = c.req.query('sig');
      if (!match?.[1] || !signature) throw notFound('QR code');
      const { png, etag } = await renderQrCode(deps, { attendeeId: match[1], signature });
      const headers = { etag };
      if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers });
      return new Response(new Uint8Array(png), { status: 200, headers: { ...headers, 'content-type': 'image/png' } });
    },
  }),
];
