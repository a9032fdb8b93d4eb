import type { Hono } from 'hono';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../lib/errors.ts';
import type { AppEnv } from '../../rest/context.ts';
import { renderQrCode } from './qr.service.ts';

/**
 * GET /qr/{attendee_id}.png?sig=… — the image behind qr_code_url. It is the ticket itself, so like every response
 * it is never stored by a cache (`Cache-Control: no-store`, set for all routes); an ETag still spares a re-download.
 */
export function qrRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/qr/:file', async (c) => {
    const match = /^(att_[0-9a-z]{26})\.png$/.exec(c.req.param('file'));
    const signature = c.req.query('sig');
    if (!match?.[1] || !signature) throw notFound('QR code');
    const { png, etag } = await renderQrCode(deps, { attendeeId: match[1], signature });
    const headers = { etag };
    if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers });
    return new Response(new Uint8Array(png), { status: 200, headers: { ...headers, 'content-type': 'image/png' } });
  });
}
