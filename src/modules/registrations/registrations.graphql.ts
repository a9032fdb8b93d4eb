import { builder } from '../../graphql/builder.ts';
import { withGraphQLFieldNames } from '../../graphql/field-names.ts';
import { AttendeeStatusEnum } from '../attendees/index.ts';
import { setAttendeeStatus, updateAttendee } from './attendee-changes.ts';
import { registerAttendee } from './registrations.service.ts';

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
  fields: (t) => ({ attendeeId: t.id({ required: true }), status: t.field({ type: AttendeeStatusEnum, required: true }) }),
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
}));
