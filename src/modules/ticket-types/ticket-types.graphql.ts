import { builder } from '../../graphql/builder.ts';
import { NodeRef } from '../../graphql/node.ts';
import { WAITLIST_MODES } from './ticket-types.schemas.ts';
import { createTicketType, deleteTicketType, updateTicketType } from './ticket-types.service.ts';

const WaitlistModeEnum = builder.enumType('WaitlistMode', { values: WAITLIST_MODES });

builder.prismaObject('TicketType', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    slug: t.exposeString('slug', { description: 'What REST clients send as ticket_type_slug.' }),
    capacity: t.exposeInt('capacity', { nullable: true, description: 'Seats of this type; null means only the event capacity applies.' }),
    isDefault: t.exposeBoolean('isDefault', { description: 'Given to registrations that name no ticket type.' }),
    position: t.exposeInt('position'),
    waitlist: t.expose('waitlist', {
      type: WaitlistModeEnum,
      description: 'What a registration does when this type (or the event) is full: OFF refuses it; AUTO and OFFER put it in line.',
    }),
    offerHours: t.exposeInt('offerHours', { description: 'OFFER: how long a freed seat is held for the person it is offered to.' }),
    requiresApproval: t.exposeBoolean('requiresApproval', {
      description: 'Registrations wait (PENDING_APPROVAL, no seat) until approveAttendee or declineAttendee.',
    }),
    hidden: t.exposeBoolean('hidden', {
      description:
        'Not offered by the public form; REST and public-form registrations need an access code valid for it (the dashboard and imports may use it).',
    }),
  }),
});

const CreateTicketTypeInput = builder.inputType('CreateTicketTypeInput', {
  fields: (t) => ({
    eventId: t.id({ required: true }),
    name: t.string({ required: true }),
    slug: t.string({ required: true }),
    capacity: t.int(),
    isDefault: t.boolean(),
    position: t.int(),
    waitlist: t.field({ type: WaitlistModeEnum, description: 'Default OFF.' }),
    offerHours: t.int({ description: 'Default 24 (1 to 336).' }),
    requiresApproval: t.boolean({ description: 'Default false.' }),
    hidden: t.boolean({ description: 'Default false: offered to everyone. true: only with an access code valid for it.' }),
  }),
});

const UpdateTicketTypeInput = builder.inputType('UpdateTicketTypeInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    slug: t.string(),
    capacity: t.int(),
    isDefault: t.boolean({ description: 'Only true: makes this the default and the previous default an ordinary type.' }),
    position: t.int(),
    waitlist: t.field({ type: WaitlistModeEnum }),
    offerHours: t.int(),
    requiresApproval: t.boolean({ description: 'Switched off later, requests already pending stay pending (decide them by hand).' }),
    hidden: t.boolean(),
  }),
});

const DeleteTicketTypeInput = builder.inputType('DeleteTicketTypeInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

builder.mutationFields((t) => ({
  createTicketType: t.prismaField({
    type: 'TicketType',
    args: { input: t.arg({ type: CreateTicketTypeInput, required: true }) },
    resolve: (_query, _root, args, ctx) => createTicketType(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  updateTicketType: t.prismaField({
    type: 'TicketType',
    args: { input: t.arg({ type: UpdateTicketTypeInput, required: true }) },
    resolve: (_query, _root, args, ctx) => updateTicketType(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  deleteTicketType: t.id({
    description: 'Not the default ticket type, and not one anybody holds. Returns the id of what was deleted.',
    args: { input: t.arg({ type: DeleteTicketTypeInput, required: true }) },
    resolve: async (_root, args, ctx) => (await deleteTicketType(ctx.deps, { actor: ctx.actor, input: args.input })).id,
  }),
}));
