import { z } from 'zod';

/** Small zod building blocks shared by several features' schemas. */

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const timeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine(isTimeZone, { message: 'The :attribute field must be a valid time zone (an IANA name such as Europe/Berlin).' });

/** Seats: a whole number from 0, or null for "unlimited". */
export const capacity = z.int().min(0).max(1_000_000).nullish();

export const entityId = z.string().trim().min(1).max(64);

/** URL-safe lower-case identifiers used in API calls ("general", "vip-pass"). */
export const slug = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, {
    message: 'The :attribute field may only contain lower-case letters, numbers, dashes and underscores.',
  });
