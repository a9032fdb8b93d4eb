import { z } from 'zod';
import { entityId } from '../../lib/schemas.ts';
import { PAYLOAD_FIELDS } from './webhook-payload.ts';

export const WEBHOOK_TRIGGERS = ['ATTENDEE_REGISTERED', 'ATTENDEE_CHECKED_IN', 'ATTENDEE_STATUS_CHANGED', 'ATTENDEE_SCAN_CONFLICT'] as const;

/** What an endpoint created without `triggers` listens to: the seed's three. The scan conflict is opt-in. */
export const DEFAULT_WEBHOOK_TRIGGERS = ['ATTENDEE_REGISTERED', 'ATTENDEE_CHECKED_IN', 'ATTENDEE_STATUS_CHANGED'] as const;

const url = z.string().trim().min(1).max(2000);
const triggers = z
  .array(z.enum(WEBHOOK_TRIGGERS))
  .min(1)
  .refine((list) => new Set(list).size === list.length, { message: 'The :attribute field has a duplicate value.' });
const selectedFields = z
  .array(z.enum(PAYLOAD_FIELDS, { message: `The :attribute field may only name payload keys: ${PAYLOAD_FIELDS.join(', ')}.` }))
  .max(PAYLOAD_FIELDS.length)
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
export const SendTestWebhookInput = z.strictObject({ endpointId: entityId });
export const RedeliverWebhookInput = z.strictObject({ deliveryId: entityId });
