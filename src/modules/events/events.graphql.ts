import { builder } from '../../graphql/builder.ts';
import { EventStatusEnum } from '../../graphql/enums.ts';
import { NodeRef } from '../../graphql/node.ts';
import { idToUuid } from '../../lib/ids.ts';
import { countEvents, createEvent, deleteEvent, EVENT_ORDERS, getEvent, listEvents, updateEvent } from './events.service.ts';

const EventOrderEnum = builder.enumType('EventOrder', { values: EVENT_ORDERS });

const eventFilters = (args: { status?: string | null; search?: string | null; orderBy?: string | null }) => ({
  status: args.status,
  search: args.search,
  orderBy: args.orderBy,
});

builder.prismaObject('Event', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    uuid: t.string({
      description: 'The same id as a plain UUID (REST paths accept either as event_id).',
      select: { id: true },
      resolve: (event) => idToUuid(event.id),
    }),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime' }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone, e.g. Europe/Berlin.' }),
    venue: t.exposeString('venue', { nullable: true }),
    capacity: t.exposeInt('capacity', { nullable: true, description: 'Total seats; null means unlimited.' }),
    status: t.expose('status', { type: EventStatusEnum }),
    registrationOpensAt: t.expose('registrationOpensAt', { type: 'DateTime', nullable: true }),
    registrationClosesAt: t.expose('registrationClosesAt', { type: 'DateTime', nullable: true }),
    apiConfirmationEmails: t.exposeBoolean('apiConfirmationEmails', {
      description: 'Send a confirmation email to attendees registered through the REST API.',
    }),
    confirmationEmails: t.exposeBoolean('confirmationEmails', {
      description: 'Send a confirmation email to attendees registered through the public form.',
    }),
    publicForm: t.exposeBoolean('publicForm', {
      description: 'The public form endpoints (GET/POST /v1/public/events/{id}…) serve this published event; false: they answer 404.',
    }),
    ticketCodes: t.expose('ticketCodes', { type: TicketCodesEnum }),
    retentionDays: t.exposeInt('retentionDays', {
      nullable: true,
      description: 'Attendees’ personal data is erased this many days after the event ends; null: the organisation’s retentionDays.',
    }),
    ticketTypes: t.relation('ticketTypes', { query: { orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] } }),
    zones: t.relation('zones', { description: 'Parts of the venue with their own doors.', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    customFields: t.relation('customFields', { query: { orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const eventInputFields = {
  description: 'Optional fields left out keep their defaults (create) or current values (update).',
};

export const TicketCodesEnum = builder.enumType('TicketCodes', {
  description: 'RANDOM: the QR code carries a random token (checked online). SIGNED: an Ed25519-signed code a door verifies offline.',
  values: ['RANDOM', 'SIGNED'] as const,
});

const CreateEventInput = builder.inputType('CreateEventInput', {
  ...eventInputFields,
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    startsAt: t.field({ type: 'DateTime', required: true }),
    endsAt: t.field({ type: 'DateTime', required: true }),
    timezone: t.string({ required: true }),
    venue: t.string(),
    capacity: t.int(),
    status: t.field({ type: EventStatusEnum, description: 'Defaults to PUBLISHED.' }),
    registrationOpensAt: t.field({ type: 'DateTime' }),
    registrationClosesAt: t.field({ type: 'DateTime' }),
    apiConfirmationEmails: t.boolean({ description: 'Defaults to false.' }),
    confirmationEmails: t.boolean({ description: 'Defaults to true.' }),
    publicForm: t.boolean({ description: 'Defaults to true.' }),
    ticketCodes: t.field({ type: TicketCodesEnum, description: 'Defaults to RANDOM.' }),
    retentionDays: t.int({ description: '1–3650; null: the organisation’s setting.' }),
  }),
});

const UpdateEventInput = builder.inputType('UpdateEventInput', {
  ...eventInputFields,
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    description: t.string(),
    startsAt: t.field({ type: 'DateTime' }),
    endsAt: t.field({ type: 'DateTime' }),
    timezone: t.string(),
    venue: t.string(),
    capacity: t.int(),
    status: t.field({ type: EventStatusEnum }),
    registrationOpensAt: t.field({ type: 'DateTime' }),
    registrationClosesAt: t.field({ type: 'DateTime' }),
    apiConfirmationEmails: t.boolean(),
    confirmationEmails: t.boolean(),
    publicForm: t.boolean(),
    ticketCodes: t.field({ type: TicketCodesEnum, description: 'Attendees registered before a change keep their codes.' }),
    retentionDays: t.int({ description: '1–3650, or null for the organisation’s setting.' }),
  }),
});

const DeleteEventInput = builder.inputType('DeleteEventInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

builder.queryFields((t) => ({
  event: t.prismaField({
    type: 'Event',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => getEvent(ctx.deps, { actor: ctx.actor, id: String(args.id), query }),
  }),
  events: t.prismaConnection(
    {
      type: 'Event',
      cursor: 'id',
      defaultSize: 25,
      maxSize: 100,
      description: 'By start (default), latest start first, or newest first. `search` looks in name and venue.',
      args: {
        status: t.arg({ type: EventStatusEnum }),
        search: t.arg.string(),
        orderBy: t.arg({ type: EventOrderEnum }),
      },
      resolve: (query, _root, args, ctx) => listEvents(ctx.deps, { actor: ctx.actor, filters: eventFilters(args), query }),
      totalCount: (_root, args, ctx) => countEvents(ctx.deps, { actor: ctx.actor, filters: eventFilters(args) }),
    },
    { name: 'EventConnection' },
    { name: 'EventEdge' },
  ),
}));

builder.mutationFields((t) => ({
  createEvent: t.prismaField({
    type: 'Event',
    description: 'Creates an event with its default ticket type "General Admission" (slug general).',
    args: { input: t.arg({ type: CreateEventInput, required: true }) },
    resolve: (query, _root, args, ctx) => createEvent(ctx.deps, { actor: ctx.actor, input: args.input, query }),
  }),
  updateEvent: t.prismaField({
    type: 'Event',
    args: { input: t.arg({ type: UpdateEventInput, required: true }) },
    resolve: (query, _root, args, ctx) => updateEvent(ctx.deps, { actor: ctx.actor, input: args.input, query }),
  }),
  deleteEvent: t.id({
    description: 'Only events without attendees, or cancelled ones, can be deleted. Returns the id of what was deleted.',
    args: { input: t.arg({ type: DeleteEventInput, required: true }) },
    resolve: async (_root, args, ctx) => (await deleteEvent(ctx.deps, { actor: ctx.actor, input: args.input })).id,
  }),
}));
