import { z } from 'zod';
import type { CustomField } from '../../generated/prisma/client.ts';
import { isCountryCode } from '../../lib/countries.ts';
import type { FieldErrors } from '../../lib/errors.ts';

const MAX_LENGTH: Partial<Record<CustomField['type'], number>> = { TEXT: 500, TEXTAREA: 5000, PHONE: 30, EMAIL: 254, URL: 2000 };

/**
 * Checks custom_data against the event's field definitions: only defined keys, each of its field's type,
 * every required field present. Errors are keyed `custom_data.<key>` and name the field by its label.
 *
 * Questions that depend on answers (CONTRACT §14): a field is asked only for its ticket types (`ticketTypeIds`, empty
 * for all) and only when its parent (`showIfFieldKey`) is itself asked and was answered with one of `showIfValues` —
 * for a checkbox "true"/"false", an unanswered one being false; for a multi-select, any overlap. The server decides
 * from the submitted answers, whatever a form showed: a field not asked is never required, and an answer to it is
 * refused ("The <label> field must not be present."), never silently dropped — except an unticked checkbox (`false`),
 * which is what a form sends for a box it did not show.
 */
export function validateCustomData(
  data: Record<string, unknown>,
  fields: readonly CustomField[],
  ticketTypeId: string | null = null,
): { value: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const value: Record<string, unknown> = {};
  const byKey = new Map(fields.map((f) => [f.key, f]));

  for (const key of Object.keys(data)) {
    if (!byKey.has(key)) errors[`custom_data.${key}`] = [`The custom data.${key} field is not a registration field of this event.`];
  }
  // Each answer checked once, as if optional (what the conditions read); only a required checkbox reads differently.
  const answers = new Map<string, unknown>();
  const checkedAnswers = new Map<string, { value: unknown } | { error: string }>();
  for (const field of fields) {
    const raw = data[field.key];
    const missing = raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0);
    if (missing) continue;
    const checked = checkValue(field, raw, false);
    checkedAnswers.set(field.key, checked);
    if (!('error' in checked)) answers.set(field.key, checked.value);
  }
  const asked = askedFields(fields, answers, ticketTypeId);
  for (const field of fields) {
    const raw = data[field.key];
    const missing = raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0);
    if (!asked.has(field.key)) {
      // An unticked box is what every HTML form sends for a checkbox it did not show: the same as no answer.
      const unticked = field.type === 'CHECKBOX' && raw === false;
      if (!missing && !unticked) errors[`custom_data.${field.key}`] = [`The ${field.label} field must not be present.`];
      continue;
    }
    if (missing) {
      if (field.required) errors[`custom_data.${field.key}`] = [`The ${field.label} field is required.`];
      continue;
    }
    const checked = field.required && field.type === 'CHECKBOX' ? checkValue(field, raw, true) : checkedAnswers.get(field.key)!;
    if ('error' in checked) errors[`custom_data.${field.key}`] = [checked.error];
    else value[field.key] = checked.value;
  }
  return { value, errors };
}

/**
 * The keys of the fields asked, given the (well-typed) answers and the ticket type: a field is asked when its type
 * matches and its parent is asked and answered as its condition says. Parents are resolved first whatever the
 * fields' order; a cycle (refused when saving) would leave its fields not asked.
 */
export function askedFields(fields: readonly CustomField[], answers: ReadonlyMap<string, unknown>, ticketTypeId: string | null): Set<string> {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const decided = new Map<string, boolean>();
  const visit = (field: CustomField, seen: Set<string>): boolean => {
    const known = decided.get(field.key);
    if (known !== undefined) return known;
    if (seen.has(field.key)) return false;
    seen.add(field.key);
    const forType = field.ticketTypeIds.length === 0 || (ticketTypeId !== null && field.ticketTypeIds.includes(ticketTypeId));
    const parent = field.showIfFieldKey ? byKey.get(field.showIfFieldKey) : undefined;
    const shown =
      forType &&
      (!field.showIfFieldKey || (parent !== undefined && visit(parent, seen) && conditionHolds(parent, answers.get(parent.key), field.showIfValues)));
    decided.set(field.key, shown);
    return shown;
  };
  return new Set(fields.filter((f) => visit(f, new Set())).map((f) => f.key));
}

/** Whether a parent's answer is one of `values`: a checkbox unanswered is false; a multi-select matches on any overlap. */
function conditionHolds(parent: CustomField, answer: unknown, values: readonly string[]): boolean {
  if (parent.type === 'CHECKBOX') return values.includes(String(answer === true));
  if (answer === undefined) return false;
  if (Array.isArray(answer)) return answer.some((a) => values.includes(String(a)));
  return values.includes(String(answer));
}

const EMAIL = z.email();

/** `required` only changes a checkbox (unticked: "must be accepted"); a missing answer is the caller's to judge. */
function checkValue(field: CustomField, raw: unknown, required: boolean): { value: unknown } | { error: string } {
  const label = field.label;
  const max = MAX_LENGTH[field.type];
  const asText = (): { value: string } | { error: string } => {
    if (typeof raw !== 'string') return { error: `The ${label} field must be a string.` };
    if (max !== undefined && raw.length > max) return { error: `The ${label} field must not be greater than ${max} characters.` };
    return { value: raw };
  };
  switch (field.type) {
    case 'TEXT':
    case 'TEXTAREA':
    case 'PHONE':
      return asText();
    case 'EMAIL': {
      const text = asText();
      if ('error' in text) return text;
      return EMAIL.safeParse(text.value.trim()).success ? { value: text.value.trim() } : { error: `The ${label} field must be a valid email address.` };
    }
    case 'URL': {
      const text = asText();
      if ('error' in text) return text;
      return isHttpUrl(text.value) ? text : { error: `The ${label} field must be a valid URL.` };
    }
    case 'NUMBER': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof n === 'number' && Number.isFinite(n) ? { value: n } : { error: `The ${label} field must be a number.` };
    }
    case 'CHECKBOX':
      if (typeof raw !== 'boolean') return { error: `The ${label} field must be true or false.` };
      if (required && !raw) return { error: `The ${label} field must be accepted.` };
      return { value: raw };
    case 'SELECT':
      return typeof raw === 'string' && field.options.includes(raw) ? { value: raw } : { error: `The selected ${field.label} is invalid.` };
    case 'MULTI_SELECT': {
      if (!Array.isArray(raw)) return { error: `The ${label} field must be an array.` };
      if (!raw.every((v) => typeof v === 'string' && field.options.includes(v))) return { error: `The selected ${field.label} is invalid.` };
      return { value: [...new Set(raw as string[])] };
    }
    case 'DATE':
      return typeof raw === 'string' && isIsoDate(raw) ? { value: raw } : { error: `The ${label} field must be a valid date (YYYY-MM-DD).` };
    case 'COUNTRY': {
      const code = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
      return isCountryCode(code) ? { value: code } : { error: `The ${label} field must be an ISO 3166-1 alpha-2 country code (e.g. US, GB).` };
    }
  }
}

function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
