import type { Hono } from 'hono';
import type { Deps } from '../../deps.ts';
import { jsonResponse, readJsonObject } from '../../rest/body.ts';
import type { AppEnv } from '../../rest/context.ts';
import { presentAttendee } from '../registrations/registrations.present.ts';
import { checkIn } from './check-ins.service.ts';

/** POST /v1/events/{event_id}/check-ins {"qr_token": …} → {"attendee": {…}, "already_checked_in": bool} (CONTRACT §4). */
export function checkInRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.post('/v1/events/:eventId/check-ins', async (c) => {
    const body = await readJsonObject(c);
    const result = await checkIn(deps, { actor: c.get('actor'), input: { ...body, event_id: c.req.param('eventId') } });
    return jsonResponse(c, { attendee: presentAttendee(deps, result.attendee, result.event.customFields), already_checked_in: result.alreadyCheckedIn }, 200);
  });
}
