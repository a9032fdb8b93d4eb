import { z } from 'zod';
import { entityId } from '../../lib/schemas.ts';

export const CUSTOM_FIELD_TYPES = ['TEXT', 'TEXTAREA', 'NUMBER', 'CHECKBOX', 'SELECT', 'MULTI_SELECT', 'DATE', 'EMAIL', 'PHONE', 'URL', 'COUNTRY'] as const;

export type CustomFieldTypeName = (typeof CUSTOM_FIELD_TYPES)[number];

export const CHOICE_TYPES: ReadonlySet<CustomFieldTypeName> = new Set(['SELECT', 'MULTI_SELECT']);

const options = z.array(z.string().trim().min(1).max(200)).max(200);
const label = z.string().trim().min(1).max(200);

/** Shown only when the field `fieldKey` was answered with one of `values`. */
const showIf = z.strictObject({
  fieldKey: z.string().trim().min(1).max(64),
  values: z.array(z.string().trim().min(1).max(200)).min(1).max(50),
});
const ticketTypeIds = z.array(entityId).max(100);

export const CreateCustomFieldInput = z.strictObject({
  eventId: entityId,
  fieldKey: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[a-z][a-z0-9_]*$/, {
      message: 'The :attribute field must start with a lower-case letter and contain only lower-case letters, numbers and underscores.',
    }),
  fieldLabel: label,
  fieldType: z.enum(CUSTOM_FIELD_TYPES),
  required: z.boolean().nullish(),
  options: options.nullish(),
  position: z.int().min(0).max(10_000).nullish(),
  showIf: showIf.nullish(),
  ticketTypeIds: ticketTypeIds.nullish(),
});

/** The key and type are fixed once created: attendees' stored answers are keyed and shaped by them. */
export const UpdateCustomFieldInput = z.strictObject({
  id: entityId,
  fieldLabel: label.optional(),
  required: z.boolean().optional(),
  options: options.optional(),
  position: z.int().min(0).max(10_000).optional(),
  /** null: asked whatever the other answers. */
  showIf: showIf.nullish(),
  /** Empty: asked for every ticket type. */
  ticketTypeIds: ticketTypeIds.optional(),
});

export const DeleteCustomFieldInput = z.strictObject({ id: entityId });

/** SELECT/MULTI_SELECT need at least one distinct option; other types take none. */
export function optionErrors(type: CustomFieldTypeName, values: readonly string[]): Record<string, string[]> {
  if (CHOICE_TYPES.has(type)) {
    if (values.length === 0) return { options: ['The options field is required when field type is SELECT or MULTI_SELECT.'] };
    if (new Set(values).size !== values.length) return { options: ['The options field has a duplicate value.'] };
    return {};
  }
  return values.length > 0 ? { options: [`The options field is prohibited when field type is ${type}.`] } : {};
}
