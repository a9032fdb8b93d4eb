import type { Deps } from '../../src/deps.ts';
import type { Actor } from '../../src/lib/actor.ts';
import { createWebhookEndpoint } from '../../src/modules/webhooks/webhooks.service.ts';

/** An endpoint pointing at `url` (all triggers unless told), through the real service. */
export async function createEndpoint(deps: Deps, actor: Actor, url: string, input: Record<string, unknown> = {}) {
  return await createWebhookEndpoint(deps, { actor, input: { url, ...input } });
}
