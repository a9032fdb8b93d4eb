import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.ts';
import { inRequest, REJECTION_MESSAGES } from '../lib/actor.ts';
import type { Credentials } from '../lib/credentials.ts';
import { AppError } from '../lib/errors.ts';
import { type AppEnv, principalOf } from './context.ts';
import { consume, type RateLimiters } from './rate-limit.ts';

/** The seed page's exact 401 body for a request without a key. */
export const API_KEY_REQUIRED = 'API key required. Pass it as: Authorization: Bearer <your-api-key>';

/**
 * REST v1 is for integrators: an API key in `Authorization: Bearer` or the legacy `X-API-Key` header, nothing
 * else (dashboard session tokens are refused here). The key's per-minute budget is taken at the same time and
 * the RateLimit-* headers added to the request's response headers (see AppEnv).
 */
export function requireApiKey(deps: Deps, limiters: RateLimiters, apiKeys: Credentials['apiKey']): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    const credential = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : c.req.header('x-api-key')?.trim();
    if (!authorization && !credential) throw new AppError('UNAUTHENTICATED', API_KEY_REQUIRED);
    if (!credential || !apiKeys.matches(credential)) throw new AppError('UNAUTHENTICATED', REJECTION_MESSAGES.invalid_api_key);
    const actor = await apiKeys.authenticate(deps, credential);
    if (actor.kind !== 'apiKey') throw new AppError('UNAUTHENTICATED', REJECTION_MESSAGES[(actor.kind === 'anonymous' && actor.rejected) || 'invalid_api_key']);
    c.set('actor', inRequest(actor, c.get('requestId'), c.get('clientRequestId')));
    c.set('principal', principalOf(actor));
    Object.assign(c.get('responseHeaders'), await consume(limiters.apiKey, actor.apiKeyId));
    await next();
  };
}

/**
 * Scanner routes: a device token (`Authorization: Bearer eg_dev_…`), checked against the database on every
 * request (a revoked device is refused from its next request on). `?pending=` on a request records the device's
 * upload queue length. Each device has the per-key request budget.
 */
export function requireDevice(deps: Deps, limiters: RateLimiters, devices: Credentials['device']): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const pending = Number.parseInt(c.req.query('pending') ?? '', 10);
    const device = await devices.authenticate(
      deps,
      c.req.header('authorization'),
      Number.isSafeInteger(pending) && pending >= 0 ? Math.min(pending, 1e6) : undefined,
    );
    c.set('device', device);
    c.set('principal', { organisationId: device.organisationId, deviceId: device.deviceId });
    Object.assign(c.get('responseHeaders'), await consume(limiters.apiKey, `device:${device.deviceId}`));
    await next();
  };
}

/** Per-client-IP budget for the unauthenticated public routes. */
export function limitByClientIp(limiter: RateLimiters[keyof RateLimiters]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return await next();
    Object.assign(c.get('responseHeaders'), await consume(limiter, clientIp(c)));
    await next();
  };
}

/**
 * The TCP peer. EventoGate does not trust X-Forwarded-For (anyone can send it); behind a proxy, let the proxy
 * enforce per-client limits or terminate on the same host.
 */
export function clientIp(c: Context): string {
  return getConnInfo(c).remote.address ?? 'unknown';
}
