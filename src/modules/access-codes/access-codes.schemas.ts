import { z } from 'zod';
import { entityId } from '../../lib/schemas.ts';

/** What people type: letters, digits, dashes and underscores, matched case-insensitively. */
export const codeText = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/, { message: 'The :attribute field may only contain letters, numbers, dashes and underscores.' });

const ticketTypeIds = z
  .array(entityId)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, { message: 'The :attribute field must not name a ticket type twice.' });
const maxUses = z.int().min(1).max(1_000_000);
const reservedSeats = z.int().min(0).max(100_000);

const rules = {
  /** Empty or absent: valid for every ticket type of the event. */
  ticketTypeIds: ticketTypeIds.nullish(),
  maxUses: maxUses.nullish(),
  validFrom: z.date().nullish(),
  validUntil: z.date().nullish(),
  reservedSeats: reservedSeats.nullish(),
  enabled: z.boolean().nullish(),
};

/** The rules one code's settings must keep together (checked on create, and on update against the stored ones). */
export function consistencyErrors(code: {
  validFrom?: Date | null;
  validUntil?: Date | null;
  maxUses?: number | null;
  reservedSeats?: number | null;
}): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (code.validFrom && code.validUntil && code.validUntil <= code.validFrom) errors.validUntil = ['The valid until field must be after valid from.'];
  if (code.maxUses != null && (code.reservedSeats ?? 0) > code.maxUses) {
    errors.reservedSeats = ['The reserved seats may not be greater than max uses: seats nobody may take would stay held.'];
  }
  return errors;
}

export const CreateAccessCodeInput = z.strictObject({ eventId: entityId, code: codeText.nullish(), ...rules });

/** Bulk: `count` random codes with the same rules (for sending one to each person of a list). */
export const MAX_BULK_CODES = 1_000;
export const CreateAccessCodesInput = z.strictObject({
  eventId: entityId,
  count: z.int().min(1).max(MAX_BULK_CODES),
  prefix: z
    .string()
    .trim()
    .max(20)
    .regex(/^[A-Za-z0-9]*$/, { message: 'The :attribute field may only contain letters and numbers.' })
    .nullish(),
  ...rules,
});

export const UpdateAccessCodeInput = z.strictObject({
  id: entityId,
  code: codeText.optional(),
  ticketTypeIds: ticketTypeIds.nullish(),
  maxUses: maxUses.nullish(),
  validFrom: z.date().nullish(),
  validUntil: z.date().nullish(),
  reservedSeats: reservedSeats.optional(),
  enabled: z.boolean().optional(),
});

export const DeleteAccessCodeInput = z.strictObject({ id: entityId });

/** An event has at most this many codes. */
export const MAX_CODES_PER_EVENT = 20_000;
