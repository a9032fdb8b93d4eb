import type { AuthenticatedActor } from '../modules/auth/actor.ts';

/** Hono variables every request carries (request id) and what REST middleware adds (the API key actor). */
export type AppEnv = { Variables: { requestId: string; actor: AuthenticatedActor & { kind: 'apiKey' } } };
