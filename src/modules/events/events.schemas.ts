import { z } from 'zod';
import { capacity, entityId, timeZone } from '../../lib/schemas.ts';

export const EVENT_STATUSES = ['DRAFT', 'PUBLISHED', 'CANCELLED'] as const;

const eventFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).nullish(),
  startsAt: z.date(),
  endsAt: z.date(),
  timezone: timeZone,
  venue: z.string().trim().max(300).nullish(),
  capacity,
  status: z.enum(EVENT_STATUSES),
  registrationOpensAt: z.date().nullish(),
  registrationClosesAt: z.date().nullish(),
  apiConfirmationEmails: z.boolean(),
  confirmationEmails: z.boolean(),
  publicForm: z.boolean(),
  ticketCodes: z.enum(['RANDOM', 'SIGNED']),
  /** Days after the event ends until its attendees' personal data is erased; null: the organisation's setting. */
  retentionDays: z.int().min(1).max(3_650).nullish(),
};

interface Times {
  startsAt?: Date | undefined;
  endsAt?: Date | undefined;
  registrationOpensAt?: Date | null | undefined;
  registrationClosesAt?: Date | null | undefined;
}

/** Time-order rules, checked on the event as it will be after the change (so updates are checked too). */
export function timeOrderErrors(event: Times): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (event.startsAt && event.endsAt && event.endsAt < event.startsAt) {
    errors.endsAt = ['The ends at field must be a date after or equal to starts at.'];
  }
  if (event.registrationOpensAt && event.registrationClosesAt && event.registrationClosesAt < event.registrationOpensAt) {
    errors.registrationClosesAt = ['The registration closes at field must be a date after or equal to registration opens at.'];
  }
  return errors;
}

export const CreateEventInput = z.strictObject({
  ...eventFields,
  status: eventFields.status.nullish().transform((s) => s ?? 'PUBLISHED'),
  apiConfirmationEmails: eventFields.apiConfirmationEmails.nullish().transform((v) => v ?? false),
  confirmationEmails: eventFields.confirmationEmails.nullish().transform((v) => v ?? true),
  publicForm: eventFields.publicForm.nullish().transform((v) => v ?? true),
  ticketCodes: eventFields.ticketCodes.nullish().transform((v) => v ?? 'RANDOM'),
});

export const UpdateEventInput = z.strictObject({
  id: entityId,
  name: eventFields.name.optional(),
  description: eventFields.description,
  startsAt: eventFields.startsAt.optional(),
  endsAt: eventFields.endsAt.optional(),
  timezone: eventFields.timezone.optional(),
  venue: eventFields.venue,
  capacity: eventFields.capacity,
  status: eventFields.status.optional(),
  registrationOpensAt: eventFields.registrationOpensAt,
  registrationClosesAt: eventFields.registrationClosesAt,
  apiConfirmationEmails: eventFields.apiConfirmationEmails.optional(),
  confirmationEmails: eventFields.confirmationEmails.optional(),
  publicForm: eventFields.publicForm.optional(),
  ticketCodes: eventFields.ticketCodes.optional(),
  retentionDays: eventFields.retentionDays,
});

export const DeleteEventInput = z.strictObject({ id: entityId });
