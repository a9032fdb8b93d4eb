/** What the webhooks feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { emitTrigger, emitTriggers } from './webhook-emit.ts';
export { type EnabledEndpoint, enabledEndpointsOf, pendingDeliveryCount } from './webhooks.sql.ts';
