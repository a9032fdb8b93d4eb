import { z } from 'zod';
import type { CustomField } from '../../generated/prisma/client.ts';
import { isCountryCode } from '../../lib/countries.ts';
import type { FieldErrors } from '../../lib/errors.ts';

const MAX_LENGTH: Partial<Record<CustomField['type'], number>> = { TEXT: 500, TEXTAREA: 5000, PHONE: 30, EMAIL: 254, URL: 2000 };

/**
 * Checks custom_data against the event's field definitions: only defined keys, each of its field's type,
 * every required field present. Errors are keyed `custom_data.<key>` and name the field by its label.
 */
export function validateCustomData(data: Record<string, unknown>, fields: readonly CustomField[]): { value: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const value: Record<string, unknown> = {};
  const byKey = new Map(fields.map((f) => [f.key, f]));

  for (const key of Object.keys(data)) {
    if (!byKey.has(key)) errors[`custom_data.${key}`] = [`The custom data.${key} field is not a registration field of this event.`];
  }
  for (const field of fields) {
    const raw = data[field.key];
    const missing = raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0);
    if (missing) {
      if (field.required) errors[`custom_data.${field.key}`] = [`The ${field.label} field is required.`];
      continue;
    }
    const checked = checkValue(field, raw);
    if ('error' in checked) errors[`custom_data.${field.key}`] = [checked.error];
    else value[field.key] = checked.value;
  }
  return { value, errors };
}

function checkValue(field: CustomField, raw: unknown): { value: unknown } | { error: string } {
  const the = `The ${field.label} field`;
  const max = MAX_LENGTH[field.type];
  const asText = (): { value: string } | { error: string } => {
    if (typeof raw !== 'string') return { error: `${the} must be a string.` };
    if (max !== undefined && raw.length > max) return { error: `${the} must not be greater than ${max} characters.` };
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
      return z.email().safeParse(text.value.trim()).success ? { value: text.value.trim() } : { error: `${the} must be a valid email address.` };
    }
    case 'URL': {
      const text = asText();
      if ('error' in text) return text;
      return isHttpUrl(text.value) ? text : { error: `${the} must be a valid URL.` };
    }
    case 'NUMBER': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof n === 'number' && Number.isFinite(n) ? { value: n } : { error: `${the} must be a number.` };
    }
    case 'CHECKBOX':
      if (typeof raw !== 'boolean') return { error: `${the} must be true or false.` };
      if (field.required && !raw) return { error: `${the} must be accepted.` };
      return { value: raw };
    case 'SELECT':
      return typeof raw === 'string' && field.options.includes(raw) ? { value: raw } : { error: `The selected ${field.label} is invalid.` };
    case 'MULTI_SELECT': {
      if (!Array.isArray(raw)) return { error: `${the} must be an array.` };
      if (!raw.every((v) => typeof v === 'string' && field.options.includes(v))) return { error: `The selected ${field.label} is invalid.` };
      return { value: [...new Set(raw as string[])] };
    }
    case 'DATE':
      return typeof raw === 'string' && isIsoDate(raw) ? { value: raw } : { error: `${the} must be a valid date (YYYY-MM-DD).` };
    case 'COUNTRY': {
      const code = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
      return isCountryCode(code) ? { value: code } : { error: `${the} must be an ISO 3166-1 alpha-2 country code (e.g. US, GB).` };
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
