import type { Deps } from '../deps.ts';
import type { Actor } from '../modules/auth/actor.ts';

export interface GraphQLContext {
  deps: Deps;
  actor: Actor;
  requestId: string;
}
