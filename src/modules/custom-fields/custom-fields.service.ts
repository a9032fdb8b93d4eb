import type { Deps } from '../../deps.ts';
import type { CustomField } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { invalidField, invalidInput, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { findAuthorizedEvent } from '../events/index.ts';
import { CHOICE_TYPES, CreateCustomFieldInput, DeleteCustomFieldInput, optionErrors, UpdateCustomFieldInput } from './custom-fields.schemas.ts';

export async function createCustomField(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CustomField> {
  const input = parseInput(CreateCustomFieldInput, options.input);
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: input.eventId, permission: 'events:write' });
  const choices = input.options ?? [];
  const errors = optionErrors(input.fieldType, choices);
  if (Object.keys(errors).length > 0) throw invalidInput(errors);
  const conditions = await conditionColumns(deps, event.id, { key: input.fieldKey, showIf: input.showIf ?? null, ticketTypeIds: input.ticketTypeIds ?? [] });
  try {
    const position = input.position ?? (await deps.prisma.customField.count({ where: { eventId: event.id } }));
    const created = await deps.prisma.customField.create({
      data: {
        id: newId('customField'),
        eventId: event.id,
        key: input.fieldKey,
        label: input.fieldLabel,
        type: input.fieldType,
        required: input.required ?? false,
        options: choices,
        position,
        ...conditions,
      },
    });
    await deps.caches.events.invalidate(event.id);
    return created;
  } catch (error) {
    if (isUniqueViolation(error, 'custom_fields_event_id_key_key')) throw invalidField('fieldKey', 'The field key has already been taken.');
    throw error;
  }
}

export async function updateCustomField(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CustomField> {
  const input = parseInput(UpdateCustomFieldInput, options.input);
  const field = await findAuthorizedCustomField(deps, options.actor, input.id);
  if (input.options) {
    const errors = optionErrors(field.type, input.options);
    if (Object.keys(errors).length > 0) throw invalidInput(errors);
  }
  const conditions =
    input.showIf !== undefined || input.ticketTypeIds !== undefined
      ? await conditionColumns(deps, field.eventId, {
          key: field.key,
          showIf: input.showIf === undefined ? (field.showIfFieldKey ? { fieldKey: field.showIfFieldKey, values: field.showIfValues } : null) : input.showIf,
          ticketTypeIds: input.ticketTypeIds ?? field.ticketTypeIds,
        })
      : {};
  const updated = await deps.prisma.customField.update({
    where: { id: field.id },
    data: { label: input.fieldLabel, required: input.required, options: input.options, position: input.position, ...conditions },
  });
  await deps.caches.events.invalidate(field.eventId);
  return updated;
}

/** Removes the definition; answers already stored on attendees stay in their custom data. */
export async function deleteCustomField(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CustomField> {
  const input = parseInput(DeleteCustomFieldInput, options.input);
  const field = await findAuthorizedCustomField(deps, options.actor, input.id);
  const dependents = await deps.prisma.customField.findMany({ where: { eventId: field.eventId, showIfFieldKey: field.key }, select: { label: true } });
  if (dependents.length > 0) {
    throw invalidField('id', `Other questions depend on this one (${dependents.map((d) => d.label).join(', ')}); change or delete them first.`);
  }
  const deleted = await deps.prisma.customField.delete({ where: { id: field.id } });
  await deps.caches.events.invalidate(field.eventId);
  return deleted;
}

/**
 * A field's condition and ticket types, checked against the event: the parent is another field of the event, the
 * chain of parents has no cycle, a checkbox parent's values are "true"/"false" and a choice parent's are among its
 * options; the ticket types are the event's.
 */
async function conditionColumns(
  deps: Deps,
  eventId: string,
  wanted: { key: string; showIf: { fieldKey: string; values: string[] } | null; ticketTypeIds: string[] },
): Promise<{ showIfFieldKey: string | null; showIfValues: string[]; ticketTypeIds: string[] }> {
  const fields = await deps.prisma.customField.findMany({ where: { eventId }, select: { key: true, type: true, options: true, showIfFieldKey: true } });
  const types = await deps.prisma.ticketType.findMany({ where: { eventId }, select: { id: true } });
  const errors: Record<string, string[]> = {};
  const unknownTypes = wanted.ticketTypeIds.filter((id) => !types.some((t) => t.id === id));
  if (unknownTypes.length > 0) errors.ticketTypeIds = [`The event has no ticket type ${unknownTypes.join(', ')}.`];
  const { showIf } = wanted;
  if (showIf) {
    const parent = fields.find((f) => f.key === showIf.fieldKey);
    if (!parent || parent.key === wanted.key)
      errors['showIf.fieldKey'] = [`The show if field must name another question of this event ("${showIf.fieldKey}" does not).`];
    else {
      // Following the parents from the new parent must never come back here.
      const parentOf = new Map(fields.map((f) => [f.key, f.showIfFieldKey]));
      parentOf.set(wanted.key, showIf.fieldKey);
      const seen = new Set<string>([wanted.key]);
      for (let at = parentOf.get(showIf.fieldKey) ?? null; at; at = parentOf.get(at) ?? null) {
        if (seen.has(at)) {
          errors['showIf.fieldKey'] = ['The show if field would make questions depend on each other in a circle.'];
          break;
        }
        seen.add(at);
      }
      const allowed = parent.type === 'CHECKBOX' ? ['true', 'false'] : CHOICE_TYPES.has(parent.type) ? parent.options : null;
      const wrong = allowed ? showIf.values.filter((v) => !allowed.includes(v)) : [];
      if (wrong.length > 0) errors['showIf.values'] = [`The show if values must be among ${allowed!.map((v) => `"${v}"`).join(', ')}.`];
    }
  }
  if (Object.keys(errors).length > 0) throw invalidInput(errors);
  return { showIfFieldKey: showIf?.fieldKey ?? null, showIfValues: showIf?.values ?? [], ticketTypeIds: [...new Set(wanted.ticketTypeIds)] };
}

async function findAuthorizedCustomField(deps: Deps, actor: Actor, rawId: string): Promise<CustomField> {
  const authorized = authorize(actor, 'events:write');
  const id = parseId('customField', rawId);
  const field = id ? await deps.prisma.customField.findUnique({ where: { id }, include: { event: { select: { organisationId: true } } } }) : null;
  if (!field) throw notFound('Custom field');
  if (field.event.organisationId !== authorized.organisationId) throw notFound('Custom field');
  const { event: _event, ...rest } = field;
  return rest;
}
