import type { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Deps } from '../../deps.ts';
import { jsonResponse, readJsonObject } from '../../rest/body.ts';
import type { AppEnv } from '../../rest/context.ts';
import { limitByClientIp } from '../../rest/middleware.ts';
import type { RateLimiters } from '../../rest/rate-limit.ts';
import { presentAttendee } from '../registrations/registrations.present.ts';
import { getPublicEvent, registerFromPublicForm } from './public-forms.service.ts';

/** GET /v1/public/events/{event_id} and POST …/registrations: called from browsers on any site. */
export function publicFormRoutes(app: Hono<AppEnv>, deps: Deps, limiters: RateLimiters): void {
  app.use(
    '/v1/public/*',
    cors({
      origin: '*',
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type'],
      exposeHeaders: ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id', 'Location'],
      maxAge: 600,
    }),
  );

  app.get('/v1/public/events/:eventId', limitByClientIp(limiters.publicRead), async (c) =>
    jsonResponse(c, await getPublicEvent(deps, { eventId: c.req.param('eventId') }), 200),
  );

  app.post('/v1/public/events/:eventId/registrations', limitByClientIp(limiters.publicForm), async (c) => {
    const registration = await registerFromPublicForm(deps, { eventId: c.req.param('eventId'), input: await readJsonObject(c) });
    return jsonResponse(c, presentAttendee(deps, registration.attendee, registration.event.customFields), 201);
  });
}
