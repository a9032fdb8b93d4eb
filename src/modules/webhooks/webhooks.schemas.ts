import { z } from 'zod';
import { entityId } from '../../lib/schemas.ts';
import { SELECTABLE_FIELDS } from './webhook-payload.ts';

export const WEBHOOK_TRIGGERS = [
  'ATTENDEE_REGISTERED',
  'ATTENDEE_CHECKED_IN',
  'ATTENDEE_STATUS_CHANGED',
  'ATTENDEE_SCAN_CONFLICT',
  'ATTENDEE_WAITLISTED',
  'ATTENDEE_PENDING_APPROVAL',
] as const;

/** What an endpoint created without `triggers` listens to: the seed's three. The scan conflict, waitlist and approval triggers are opt-in. */
export const DEFAULT_WEBHOOK_TRIGGERS = ['ATTENDEE_REGISTERED', 'ATTENDEE_CHECKED_IN', 'ATTENDEE_STATUS_CHANGED'] as const;

const url = z.string().trim().min(1).max(2000);
const triggers = z
  .array(z.enum(WEBHOOK_TRIGGERS))
  .min(1)
  .refine((list) => new Set(list).size === list.length, { message: 'The :attribute field has a duplicate value.' });
const selectedFields = z
  .array(z.enum(SELECTABLE_FIELDS, { message: `The :attribute field may only name payload keys: ${SELECTABLE_FIELDS.join(', ')}.` }))
  .max(SELECTABLE_FIELDS.length)
  .refine((list) => new Set(list).size === list.length, { message: 'The :attribute field has a duplicate value.' });
const description = z.string().trim().max(500).nullish();
const rateLimitPerSecond = z.int().min(1).max(10_000).nullish();

export const CreateWebhookEndpointInput = z.strictObject({
  url,
  eventId: entityId.nullish(),
  triggers: triggers.nullish(),
  selectedFields: selectedFields.nullish(),
  description,
  rateLimitPerSecond,
});

export const UpdateWebhookEndpointInput = z.strictObject({
  id: entityId,
  url: url.optional(),
  eventId: entityId.nullish(),
  triggers: triggers.optional(),
  selectedFields: selectedFields.optional(),
  description,
  enabled: z.boolean().optional(),
  rateLimitPerSecond,
});

export const EndpointIdInput = z.strictObject({ id: entityId });
export const RotateWebhookSecretInput = z.strictObject({
  id: entityId,
  overlapSeconds: z
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .nullish(),
});
export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export const ReplayWebhookDeliveriesInput = z
  .strictObject({
    endpointId: entityId,
    since: z.date(),
    until: z.date().nullish(),
    statuses: z.array(z.enum(DELIVERY_STATUSES)).min(1).nullish(),
  })
  .refine((input) => !input.until || input.until > input.since, { message: 'The until field must be a date after since.', path: ['until'] });
/**
 * `id` names the object acted on, as in every other mutation; `endpointId` / `deliveryId` are the first names
 * (deprecated, still accepted). One of the two, not both; either way the service reads `id`.
 */
function oneOf(old: string) {
  return (input: { id?: string | undefined; old?: string | undefined }, ctx: z.RefinementCtx) => {
    if (input.id === undefined && input.old === undefined) ctx.addIssue({ code: 'custom', path: ['id'], message: 'The id field is required.' });
    if (input.id !== undefined && input.old !== undefined)
      ctx.addIssue({ code: 'custom', path: [old], message: `The ${old} field is deprecated: send id only.` });
  };
}
export const SendTestWebhookInput = z
  .strictObject({ id: entityId.optional(), endpointId: entityId.optional() })
  .transform((input) => ({ id: input.id, old: input.endpointId }))
  .superRefine(oneOf('endpointId'))
  .transform((input) => ({ id: (input.id ?? input.old)! }));
export const RedeliverWebhookInput = z
  .strictObject({ id: entityId.optional(), deliveryId: entityId.optional() })
  .transform((input) => ({ id: input.id, old: input.deliveryId }))
  .superRefine(oneOf('deliveryId'))
  .transform((input) => ({ id: (input.id ?? input.old)! }));
