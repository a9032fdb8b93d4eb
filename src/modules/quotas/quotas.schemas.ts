import { z } from 'zod';
import { entityId } from '../../lib/schemas.ts';

const name = z.string().trim().min(1).max(100);
const size = z.int().min(0).max(1_000_000);
/** The ticket types that share the quota's seats: at least one, each at most once. */
const ticketTypeIds = z
  .array(entityId)
  .min(1)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, { message: 'The :attribute field must not name a ticket type twice.' });

export const CreateQuotaInput = z.strictObject({ eventId: entityId, name, size, ticketTypeIds });
export const UpdateQuotaInput = z.strictObject({ id: entityId, name: name.optional(), size: size.optional(), ticketTypeIds: ticketTypeIds.optional() });
export const DeleteQuotaInput = z.strictObject({ id: entityId });

/** An event has at most this many quotas (each is counted on every registration of its types). */
export const MAX_QUOTAS_PER_EVENT = 50;
