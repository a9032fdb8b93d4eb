import type { Deps } from '../../deps.ts';
import type { CustomField } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { invalidField, invalidInput, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { findAuthorizedEvent } from '../events/index.ts';
import { CreateCustomFieldInput, DeleteCustomFieldInput, optionErrors, UpdateCustomFieldInput } from './custom-fields.schemas.ts';

export async function createCustomField(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CustomField> {
  const input = parseInput(CreateCustomFieldInput, options.input);
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: input.eventId, permission: 'events:write' });
  const choices = input.options ?? [];
  const errors = optionErrors(input.fieldType, choices);
  if (Object.keys(errors).length > 0) throw invalidInput(errors);
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
  const updated = await deps.prisma.customField.update({
    where: { id: field.id },
    data: { label: input.fieldLabel, required: input.required, options: input.options, position: input.position },
  });
  await deps.caches.events.invalidate(field.eventId);
  return updated;
}

/** Removes the definition; answers already stored on attendees stay in their custom data. */
export async function deleteCustomField(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CustomField> {
  const input = parseInput(DeleteCustomFieldInput, options.input);
  const field = await findAuthorizedCustomField(deps, options.actor, input.id);
  const deleted = await deps.prisma.customField.delete({ where: { id: field.id } });
  await deps.caches.events.invalidate(field.eventId);
  return deleted;
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
