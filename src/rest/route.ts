import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Context } from 'hono';
import type { Deps } from '../deps.ts';
import type { AppEnv } from './context.ts';

/**
 * One REST route, declared once next to its handler: the router mounts it (path, method, credential, rate
 * limit) and the OpenAPI document is generated from the same object (`openapi.ts`), so what is served and
 * what is documented cannot part. Bodies are still read and validated by the handler through the service's
 * zod schemas — the same schemas `document` names — because the seed's error bodies (Laravel wording, 400
 * `invalid_json`, 413 while streaming) are ours to produce byte for byte, not a validator middleware's.
 */
export interface RestRoute {
  method: 'get' | 'post' | 'delete';
  /** The path as OpenAPI writes it (`/v1/events/{event_id}/check-ins`); Hono receives `:event_id`. */
  path: `/${string}`;
  /**
   * Who may call it: `apiKey` (integrators; the key's budget is taken), `public` (no credential; `limit` names
   * the per-IP budget, if any), `device` (a scanner device token, eg_dev_…: its event's scanner routes only).
   */
  auth: 'apiKey' | 'public' | 'device';
  limit?: 'publicForm' | 'publicRead';
  /** Everything OpenAPI needs besides method, path and security (which `auth` decides). */
  document: Omit<RouteConfig, 'method' | 'path' | 'security'>;
  handle: (c: Context<AppEnv>, deps: Deps) => Promise<Response>;
}

export const defineRoute = (route: RestRoute): RestRoute => route;

/** `/v1/events/{event_id}` → `/v1/events/:event_id` */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
