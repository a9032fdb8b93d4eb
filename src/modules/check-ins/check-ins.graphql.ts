import { builder } from '../../graphql/builder.ts';
import { withGraphQLFieldNames } from '../../graphql/field-names.ts';
import { AttendeeRef } from '../attendees/index.ts';
import { ScanDirectionEnum, ZoneMovementEnum, ZoneRef } from '../door/index.ts';
import { type CheckInResult, checkIn, undoCheckIn } from './check-ins.service.ts';

const CheckInResultRef = builder.objectRef<CheckInResult>('CheckInResult').implement({
  fields: (t) => ({
    attendee: t.field({ type: AttendeeRef, resolve: (result) => result.attendee }),
    alreadyCheckedIn: t.exposeBoolean('alreadyCheckedIn', { description: 'A repeat scan: checkedInAt is the first check-in’s time.' }),
    zone: t.prismaField({
      type: ZoneRef,
      nullable: true,
      description: 'With zoneId or direction: the zone entered or left.',
      resolve: (query, result, _args, ctx) => (result.door?.zone ? ctx.deps.prisma.zone.findUnique({ ...query, where: { id: result.door.zone.id } }) : null),
    }),
    movement: t.field({ type: ZoneMovementEnum, nullable: true, description: 'With zoneId or direction.', resolve: (result) => result.door?.movement ?? null }),
  }),
});

const CheckInInput = builder.inputType('CheckInInput', {
  description:
    'qrToken (a scan) or attendeeId (manual). With eventId, a ticket of another event is refused. zoneId and direction (need eventId) ' +
    'make it a door scan: entering a zone leaves the one the attendee was in; OUT leaves it.',
  fields: (t) => ({
    qrToken: t.string(),
    attendeeId: t.id(),
    eventId: t.id(),
    zoneId: t.id(),
    direction: t.field({ type: ScanDirectionEnum, description: 'Defaults to IN.' }),
  }),
});

const UndoCheckInInput = builder.inputType('UndoCheckInInput', { fields: (t) => ({ attendeeId: t.id({ required: true }) }) });

builder.mutationFields((t) => ({
  checkIn: t.field({
    type: CheckInResultRef,
    args: { input: t.arg({ type: CheckInInput, required: true }) },
    resolve: (_root, args, ctx) =>
      withGraphQLFieldNames(() =>
        checkIn(ctx.deps, {
          actor: ctx.actor,
          input: {
            qr_token: args.input.qrToken,
            attendee_id: args.input.attendeeId?.toString(),
            event_id: args.input.eventId?.toString(),
            zone_id: args.input.zoneId?.toString(),
            direction: args.input.direction?.toLowerCase() as 'in' | 'out' | undefined,
          },
        }),
      ),
  }),
  undoCheckIn: t.field({
    type: AttendeeRef,
    description: 'Returns a checked-in attendee to REGISTERED; fires attendee.status_changed.',
    args: { input: t.arg({ type: UndoCheckInInput, required: true }) },
    resolve: (_root, args, ctx) => undoCheckIn(ctx.deps, { actor: ctx.actor, input: { attendeeId: String(args.input.attendeeId) } }),
  }),
}));
