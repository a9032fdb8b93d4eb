import { createHmac } from 'node:crypto';

/** What an erased attendee's first and last name read. */
export const ERASED_NAME = 'Erased';

/** Put in place of an erased email found inside free text (an error message, a job's output). */
const ERASED_TEXT = '[erased]';

/**
 * The email an erased attendee keeps: a keyed hash of the address (HMAC-SHA256 with SECRET_KEY, so nobody without
 * the key can test a guess against it) plus the attendee's id (two erased registrations of one person in one event
 * stay distinct), at the reserved `.invalid` domain (RFC 2606: nothing is ever delivered there). The same person
 * registering again therefore is a new attendee: their address matches nothing.
 */
export function erasedEmail(secretKey: string, email: string, attendeeId: string): string {
  return `${emailHash(secretKey, email)}.${attendeeId}@erased.invalid`;
}

/** The keyed hash alone: what the audit log names as the subject of an erasure by email. */
export function emailHash(secretKey: string, email: string): string {
  return createHmac('sha256', secretKey).update(`erasure:${email.trim().toLowerCase()}`).digest('hex').slice(0, 32);
}

/** `%…%` LIKE patterns matching each value anywhere (the value's own %, _ and \ escaped). */
export function containsPatterns(values: Iterable<string>): string[] {
  return [...values].map((value) => `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

export interface RedactionTargets {
  /** Attendee id → the erased email it now has. */
  attendees: ReadonlyMap<string, string>;
  /** The person's addresses, lower-cased. */
  emails: readonly string[];
}

const NAME_KEYS = new Set(['first_name', 'last_name', 'firstName', 'lastName', 'name']);
const NULLED_KEYS = new Set(['phone', 'country']);
const EMPTIED_KEYS = new Set(['custom_data', 'customData', 'answers']);
const OWNER_KEYS = ['id', 'attendee_id', 'attendeeId'] as const;

/**
 * A JSON value (a webhook payload, a stored REST response, a job's data) with the targets' personal data
 * replaced: an object about an erased attendee (its `id`, `attendee_id` or `attendeeId`) gets the erased
 * attendee's fields — names "Erased", email the erased address, phone and country null, answers empty — and any
 * string anywhere that contains one of the emails has it replaced. Everything else (ids, statuses, times) stays.
 */
export function redactJson(value: unknown, targets: RedactionTargets): unknown {
  if (typeof value === 'string') return redactText(value, targets);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, targets));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const owner = OWNER_KEYS.map((key) => record[key]).find((id): id is string => typeof id === 'string' && targets.attendees.has(id));
  return Object.fromEntries(
    Object.entries(record).map(([key, field]) => {
      if (owner && NAME_KEYS.has(key) && typeof field === 'string') return [key, ERASED_NAME];
      if (owner && key === 'email' && typeof field === 'string') return [key, targets.attendees.get(owner)];
      if (owner && NULLED_KEYS.has(key)) return [key, null];
      if (owner && EMPTIED_KEYS.has(key)) return [key, {}];
      return [key, redactJson(field, targets)];
    }),
  );
}

/** Text with every occurrence of the targets' emails (any case) replaced. */
export function redactText(text: string, targets: Pick<RedactionTargets, 'emails'>): string {
  let result = text;
  for (const email of targets.emails) {
    if (!email) continue;
    const lower = result.toLowerCase();
    if (!lower.includes(email)) continue;
    let out = '';
    let from = 0;
    for (let at = lower.indexOf(email); at >= 0; at = lower.indexOf(email, from)) {
      out += result.slice(from, at) + ERASED_TEXT;
      from = at + email.length;
    }
    result = out + result.slice(from);
  }
  return result;
}

/** A JSON text redacted as above (and kept as text); text that is not JSON has only the emails replaced. */
export function redactJsonText(text: string, targets: RedactionTargets): string {
  try {
    return JSON.stringify(redactJson(JSON.parse(text), targets));
  } catch {
    return redactText(text, targets);
  }
}
