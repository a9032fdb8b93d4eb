import { z } from 'zod';
import { capacity, entityId, slug } from '../../lib/schemas.ts';

/** OFF: a full type refuses (422). AUTO: a full type takes people in line and seats them as seats free. OFFER: offers. */
export const WAITLIST_MODES = ['OFF', 'AUTO', 'OFFER'] as const;
/** An offer holds its seat from 1 hour to 14 days. */
const offerHours = z.int().min(1).max(336);

export const CreateTicketTypeInput = z.strictObject({
  eventId: entityId,
  name: z.string().trim().min(1).max(100),
  slug,
  capacity,
  isDefault: z.boolean().nullish(),
  position: z.int().min(0).max(10_000).nullish(),
  waitlist: z.enum(WAITLIST_MODES).nullish(),
  offerHours: offerHours.nullish(),
  requiresApproval: z.boolean().nullish(),
  hidden: z.boolean().nullish(),
});

export const UpdateTicketTypeInput = z.strictObject({
  id: entityId,
  name: z.string().trim().min(1).max(100).optional(),
  slug: slug.optional(),
  capacity,
  /** true makes this the event's default; the previous default stops being one. */
  isDefault: z.literal(true, { message: 'The :attribute field can only be set to true; make another ticket type the default instead.' }).optional(),
  position: z.int().min(0).max(10_000).optional(),
  waitlist: z.enum(WAITLIST_MODES).optional(),
  offerHours: offerHours.optional(),
  /** Switched off later, existing requests stay pending (decided by hand). */
  requiresApproval: z.boolean().optional(),
  hidden: z.boolean().optional(),
});

export const DeleteTicketTypeInput = z.strictObject({ id: entityId });
