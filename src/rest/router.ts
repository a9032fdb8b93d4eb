import type { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import { checkInRoutes } from '../modules/check-ins/check-ins.rest.ts';
import { publicFormRoutes } from '../modules/public-forms/public-forms.rest.ts';
import { qrRoutes } from '../modules/qr/qr.rest.ts';
import { registrationRoutes } from '../modules/registrations/registrations.rest.ts';
import type { AppEnv } from './context.ts';
import { requireApiKey } from './middleware.ts';
import { openApiDocument } from './openapi.ts';
import type { RateLimiters } from './rate-limit.ts';

/** REST v1: public routes first, then everything else under /v1/events behind an API key. */
export function mountRest(app: Hono<AppEnv>, deps: Deps, limiters: RateLimiters): void {
  app.get('/v1/openapi.json', (c) => c.json(openApiDocument(deps.config.publicUrl)));
  qrRoutes(app, deps);
  publicFormRoutes(app, deps, limiters);
  app.use('/v1/events/*', requireApiKey(deps, limiters));
  registrationRoutes(app, deps);
  checkInRoutes(app, deps);
}
