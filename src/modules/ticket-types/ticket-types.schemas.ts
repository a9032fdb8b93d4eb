import { z } from 'zod';
import { capacity, entityId, slug } from '../../lib/schemas.ts';

export const CreateTicketTypeInput = z.strictObject({
  eventId: entityId,
  name: z.string().trim().min(1).max(100),
  slug,
  capacity,
  isDefault: z.boolean().nullish(),
  position: z.int().min(0).max(10_000).nullish(),
});

export const UpdateTicketTypeInput = z.strictObject({
  id: entityId,
  name: z.string().trim().min(1).max(100).optional(),
  slug: slug.optional(),
  capacity,
  /** true makes this the event's default; the previous default stops being one. */
  isDefault: z.literal(true, { message: 'The :attribute field can only be set to true; make another ticket type the default instead.' }).optional(),
  position: z.int().min(0).max(10_000).optional(),
});

export const DeleteTicketTypeInput = z.strictObject({ id: entityId });
