import { builder } from '../../graphql/builder.ts';
import { CustomFieldTypeEnum } from '../../graphql/enums.ts';
import { NodeRef } from '../../graphql/node.ts';
import { createCustomField, deleteCustomField, updateCustomField } from './custom-fields.service.ts';

interface Condition {
  fieldKey: string;
  values: string[];
}

const CustomFieldConditionRef = builder.objectRef<Condition>('CustomFieldCondition').implement({
  description: 'Asked only when the question `fieldKey` was answered with one of `values` ("true"/"false" for a checkbox; any overlap for a multi-select).',
  fields: (t) => ({ fieldKey: t.exposeString('fieldKey'), values: t.exposeStringList('values') }),
});

const CustomFieldConditionInput = builder.inputType('CustomFieldConditionInput', {
  fields: (t) => ({
    fieldKey: t.string({ required: true, description: 'Another question of the event (chains allowed, circles refused).' }),
    values: t.stringList({ required: true }),
  }),
});

export const CustomFieldRef = builder.prismaObject('CustomField', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    fieldKey: t.exposeString('key', { description: 'The key in an attendee’s custom_data.' }),
    fieldLabel: t.exposeString('label'),
    fieldType: t.expose('type', { type: CustomFieldTypeEnum }),
    required: t.exposeBoolean('required'),
    options: t.exposeStringList('options', { description: 'Allowed values for SELECT and MULTI_SELECT.' }),
    position: t.exposeInt('position'),
    showIf: t.field({
      type: CustomFieldConditionRef,
      nullable: true,
      description: 'Null: asked whatever the other answers.',
      select: { showIfFieldKey: true, showIfValues: true },
      resolve: (f) => (f.showIfFieldKey ? { fieldKey: f.showIfFieldKey, values: f.showIfValues } : null),
    }),
    ticketTypeIds: t.exposeIDList('ticketTypeIds', { description: 'Asked only for these ticket types; empty: for every type.' }),
  }),
});

const CreateCustomFieldInput = builder.inputType('CreateCustomFieldInput', {
  fields: (t) => ({
    eventId: t.id({ required: true }),
    fieldKey: t.string({ required: true, description: 'snake_case; fixed once created.' }),
    fieldLabel: t.string({ required: true }),
    fieldType: t.field({ type: CustomFieldTypeEnum, required: true, description: 'Fixed once created.' }),
    required: t.boolean(),
    options: t.stringList(),
    position: t.int(),
    showIf: t.field({ type: CustomFieldConditionInput }),
    ticketTypeIds: t.idList(),
  }),
});

const UpdateCustomFieldInput = builder.inputType('UpdateCustomFieldInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    fieldLabel: t.string(),
    required: t.boolean(),
    options: t.stringList(),
    position: t.int(),
    showIf: t.field({ type: CustomFieldConditionInput, description: 'null removes the condition.' }),
    ticketTypeIds: t.idList({ description: 'Empty: every ticket type.' }),
  }),
});

const DeleteCustomFieldInput = builder.inputType('DeleteCustomFieldInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

builder.mutationFields((t) => ({
  createCustomField: t.prismaField({
    type: 'CustomField',
    args: { input: t.arg({ type: CreateCustomFieldInput, required: true }) },
    resolve: (_query, _root, args, ctx) => createCustomField(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  updateCustomField: t.prismaField({
    type: 'CustomField',
    args: { input: t.arg({ type: UpdateCustomFieldInput, required: true }) },
    resolve: (_query, _root, args, ctx) => updateCustomField(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  deleteCustomField: t.id({
    description: 'Returns the id of what was deleted.',
    args: { input: t.arg({ type: DeleteCustomFieldInput, required: true }) },
    resolve: async (_root, args, ctx) => (await deleteCustomField(ctx.deps, { actor: ctx.actor, input: args.input })).id,
  }),
}));
