import { builder } from '../../graphql/builder.ts';
import { withGraphQLFieldNames } from '../../graphql/field-names.ts';
import { AttendeeStatusEnum } from '../attendees/index.ts';
import { setAttendeeStatus, updateAttendee } from './attendee-changes.ts';
import { registerAttendee } from './registrations.service.ts';
import { approveAttendee, countWaitlist, declineAttendee, listWaitlist, moveWaitlistEntry, offerWaitlistSeat } from './waitlist.ts';

/** The dashboard's registration and attendee changes, under the same rules as REST (the Attendee type is attendees'). */

const RegisterAttendeeInput = builder.inputType('RegisterAttendeeInput', {
  fields: (t) => ({
    eventId: t.id({ required: true }),
    firstName: t.string({ required: true }),
    lastName: t.string({ required: true }),
    email: t.string({ required: true }),
    phone: t.string(),
    country: t.string(),
    ticketTypeSlug: t.string({ description: 'Defaults to the event’s default ticket type.' }),
    customData: t.field({ type: 'JSON' }),
    sendEmail: t.boolean({ description: 'Send the confirmation email (default false).' }),
  }),
});

const UpdateAttendeeInput = builder.inputType('UpdateAttendeeInput', {
  fields: (t) => ({
    attendeeId: t.id({ required: true }),
    firstName: t.string(),
    lastName: t.string(),
    email: t.string(),
    phone: t.string(),
    country: t.string(),
    ticketTypeSlug: t.string(),
    customData: t.field({ type: 'JSON' }),
  }),
});

const SetAttendeeStatusInput = builder.inputType('SetAttendeeStatusInput', {
  fields: (t) => ({
    attendeeId: t.id({ required: true }),
    status: t.field({ type: AttendeeStatusEnum, required: true, description: 'REGISTERED, CHECKED_IN, CANCELLED or NO_SHOW.' }),
  }),
});

const AttendeeIdInput = (name: string, description: string) =>
  builder.inputType(name, { description, fields: (t) => ({ attendeeId: t.id({ required: true }) }) });
const ApproveAttendeeInput = AttendeeIdInput('ApproveAttendeeInput', 'A PENDING_APPROVAL attendee.');
const OfferWaitlistSeatInput = AttendeeIdInput('OfferWaitlistSeatInput', 'A WAITLISTED attendee, offered a free seat ahead of their turn.');
const DeclineAttendeeInput = builder.inputType('DeclineAttendeeInput', {
  fields: (t) => ({
    attendeeId: t.id({ required: true }),
    reason: t.string({ description: 'Told to the person in the email (up to 1,000 characters); stored nowhere else.' }),
  }),
});
const MoveWaitlistEntryInput = builder.inputType('MoveWaitlistEntryInput', {
  fields: (t) => ({ attendeeId: t.id({ required: true }), position: t.int({ required: true, description: '1 = next in line.' }) }),
});

/** GraphQL input → the REST field names the registration rules speak. */
function restInput(input: Record<string, unknown>) {
  const mapped: Record<string, unknown> = {
    first_name: input.firstName,
    last_name: input.lastName,
    email: input.email,
    phone: input.phone,
    country: input.country,
    ticket_type_slug: input.ticketTypeSlug,
    custom_data: input.customData,
  };
  return Object.fromEntries(Object.entries(mapped).filter(([, v]) => v !== undefined));
}

builder.mutationFields((t) => ({
  registerAttendee: t.prismaField({
    type: 'Attendee',
    description: 'Registers from the dashboard (registration_source "dashboard"), under the same rules as REST.',
    args: { input: t.arg({ type: RegisterAttendeeInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const { attendee } = await withGraphQLFieldNames(() =>
        registerAttendee(ctx.deps, {
          actor: ctx.actor,
          eventId: String(args.input.eventId),
          input: restInput(args.input),
          source: 'DASHBOARD',
          sendEmail: args.input.sendEmail ?? false,
        }),
      );
      return await ctx.deps.prisma.attendee.findUniqueOrThrow({ ...query, where: { id: attendee.id } });
    },
  }),
  updateAttendee: t.prismaField({
    type: 'Attendee',
    args: { input: t.arg({ type: UpdateAttendeeInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const updated = await withGraphQLFieldNames(() =>
        updateAttendee(ctx.deps, { actor: ctx.actor, input: { attendeeId: String(args.input.attendeeId), ...restInput(args.input) } }),
      );
      return await ctx.deps.prisma.attendee.findUniqueOrThrow({ ...query, where: { id: updated.id } });
    },
  }),
  setAttendeeStatus: t.prismaField({
    type: 'Attendee',
    description: 'Fires attendee.status_changed with the new status (nothing when it does not change).',
    args: { input: t.arg({ type: SetAttendeeStatusInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const updated = await setAttendeeStatus(ctx.deps, { actor: ctx.actor, input: { attendeeId: String(args.input.attendeeId), status: args.input.status } });
      return await ctx.deps.prisma.attendee.findUniqueOrThrow({ ...query, where: { id: updated.id } });
    },
  }),
  approveAttendee: t.prismaField({
    type: 'Attendee',
    description:
      'A pending request takes a seat: REGISTERED (ticket email, attendee.registered). If the type is full and its waitlist is on, ' +
      'they go first in line instead (status WAITLISTED, waitlistPosition 1); full without a waitlist is BAD_USER_INPUT.',
    args: { input: t.arg({ type: ApproveAttendeeInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const updated = await approveAttendee(ctx.deps, { actor: ctx.actor, input: { attendeeId: String(args.input.attendeeId) } });
      return await ctx.deps.prisma.attendee.findUniqueOrThrow({ ...query, where: { id: updated.id } });
    },
  }),
  declineAttendee: t.prismaField({
    type: 'Attendee',
    description: 'A pending request is declined: DECLINED, an email with the reason, attendee.status_changed.',
    args: { input: t.arg({ type: DeclineAttendeeInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const updated = await declineAttendee(ctx.deps, { actor: ctx.actor, input: { attendeeId: String(args.input.attendeeId), reason: args.input.reason } });
      return await ctx.deps.prisma.attendee.findUniqueOrThrow({ ...query, where: { id: updated.id } });
    },
  }),
  offerWaitlistSeat: t.prismaField({
    type: 'Attendee',
    description:
      'Gives someone in line a seat now, ahead of their turn: OFFERED for the type’s offerHours, claim link by email. With no seat free ' +
      '(the usual case: a freed seat goes to the line at once), the full capacity — the type’s or the event’s — grows by one for them.',
    args: { input: t.arg({ type: OfferWaitlistSeatInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const updated = await offerWaitlistSeat(ctx.deps, { actor: ctx.actor, input: { attendeeId: String(args.input.attendeeId) } });
      return await ctx.deps.prisma.attendee.findUniqueOrThrow({ ...query, where: { id: updated.id } });
    },
  }),
  moveWaitlistEntry: t.prismaField({
    type: 'Attendee',
    description: 'Moves someone to a place in their line (1 = next; past the end means last).',
    args: { input: t.arg({ type: MoveWaitlistEntryInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const updated = await moveWaitlistEntry(ctx.deps, {
        actor: ctx.actor,
        input: { attendeeId: String(args.input.attendeeId), position: args.input.position },
      });
      return await ctx.deps.prisma.attendee.findUniqueOrThrow({ ...query, where: { id: updated.id } });
    },
  }),
}));

builder.queryFields((t) => ({
  waitlist: t.prismaConnection(
    {
      type: 'Attendee',
      cursor: 'id',
      defaultSize: 50,
      maxSize: 200,
      description: 'A ticket type’s waitlist in line order (the first is next), in the caller’s mode. Remove an entry with setAttendeeStatus CANCELLED.',
      args: { eventId: t.arg.id({ required: true }), ticketTypeId: t.arg.id({ required: true }) },
      resolve: (query, _root, args, ctx) =>
        listWaitlist(ctx.deps, {
          actor: ctx.actor,
          eventId: String(args.eventId),
          ticketTypeId: String(args.ticketTypeId),
          query: query as Parameters<typeof listWaitlist>[1]['query'],
        }),
      totalCount: (_root, args, ctx) => countWaitlist(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), ticketTypeId: String(args.ticketTypeId) }),
    },
    { name: 'WaitlistConnection' },
    { name: 'WaitlistEdge' },
  ),
}));
