import { poolSql } from '../../db/sql.ts';
import type { CustomField } from '../../generated/prisma/client.ts';
import { builder } from '../../graphql/builder.ts';
import { requestLoader } from '../../graphql/loaders.ts';
import { NodeRef } from '../../graphql/node.ts';
import { requireActor } from '../../lib/actor.ts';
import { ATTENDEE_STATUSES, hasTicket } from '../../lib/attendee-statuses.ts';
import { COUNT_CAP, withThousands } from '../../lib/pagination.ts';
import { CustomFieldRef } from '../custom-fields/index.ts';
import { loadCachedEvent } from '../events/index.ts';
import { qrCodeUrl, ticketContent } from '../qr/index.ts';
import { ATTENDEE_ORDERS, countAttendees, getAttendee, listAttendees, REGISTRATION_SOURCES } from './attendees.read.ts';
import { waitlistPositions } from './attendees.sql.ts';
import { attendeesCsvDownload, DOWNLOAD_LINK_SECONDS, type Download } from './attendees-download.ts';

export const AttendeeStatusEnum = builder.enumType('AttendeeStatus', { values: ATTENDEE_STATUSES });
const RegistrationSourceEnum = builder.enumType('RegistrationSource', { values: REGISTRATION_SOURCES });
const AttendeeOrderEnum = builder.enumType('AttendeeOrder', { values: ATTENDEE_ORDERS });

interface FieldValue {
  field: CustomField;
  value: unknown;
}

const CustomFieldValue = builder.objectRef<FieldValue>('CustomFieldValue').implement({
  description: 'One of the event’s custom fields with this attendee’s answer (null when not given).',
  fields: (t) => ({
    field: t.field({ type: CustomFieldRef, resolve: (v) => v.field }),
    value: t.field({ type: 'JSON', nullable: true, resolve: (v) => v.value ?? null }),
  }),
});

export const AttendeeRef = builder.prismaObject('Attendee', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    firstName: t.exposeString('firstName'),
    lastName: t.exposeString('lastName'),
    email: t.exposeString('email'),
    phone: t.exposeString('phone', { nullable: true }),
    country: t.exposeString('country', { nullable: true }),
    status: t.expose('status', { type: AttendeeStatusEnum }),
    source: t.expose('source', { type: RegistrationSourceEnum }),
    testMode: t.exposeBoolean('testMode', { description: 'Registered with an eg_test_ key.' }),
    registeredAt: t.expose('registeredAt', { type: 'DateTime' }),
    checkedInAt: t.expose('checkedInAt', { type: 'DateTime', nullable: true }),
    erasedAt: t.expose('erasedAt', { type: 'DateTime', nullable: true, description: 'When the attendee’s personal data was erased.' }),
    qrToken: t.string({
      nullable: true,
      description:
        'What the QR code carries (the signed code for events with signed ticket codes); null while they have no ticket (waitlisted, offered, pending, declined, cancelled).',
      resolve: (a) => (hasTicket(a.status) ? ticketContent(a) : null),
    }),
    qrCodeUrl: t.string({
      nullable: true,
      description: 'Null while they have no ticket.',
      resolve: (attendee, _args, ctx) => (hasTicket(attendee.status) ? qrCodeUrl(ctx.deps, attendee) : null),
    }),
    waitlistPosition: t.int({
      nullable: true,
      description: 'Their place in their ticket type’s line (1 = next) while WAITLISTED; null otherwise.',
      select: { id: true, waitlistRank: true },
      resolve: async (attendee, _args, ctx, info) => {
        if (attendee.waitlistRank === null) return null;
        return (
          (await requestLoader<string, number | null>(ctx, info, 'waitlist-positions', async (ids) => {
            const positions = await waitlistPositions(poolSql(ctx.deps), ids);
            return ids.map((id) => positions.get(id) ?? null);
          }).load(attendee.id)) ?? null
        );
      },
    }),
    offerExpiresAt: t.expose('offerExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'While OFFERED: until when the seat is held for them (then it goes to the next in line).',
    }),
    accessCode: t.exposeString('accessCode', { nullable: true, description: 'The access code they registered with (as the organiser wrote it), if any.' }),
    customData: t.expose('customData', { type: 'JSON' }),
    customFields: t.field({
      type: [CustomFieldValue],
      description: 'Every custom field of the event, in order, with this attendee’s answer.',
      // The field definitions from the event cache (invalidated by every change to them): a page of attendees
      // reads them once, with no statement.
      select: { customData: true, eventId: true },
      resolve: async (attendee, _args, ctx) => {
        const data = (attendee.customData ?? {}) as Record<string, unknown>;
        const event = await loadCachedEvent(ctx.deps, attendee.eventId);
        return (event?.customFields ?? []).map((field) => ({ field, value: data[field.key] ?? null }));
      },
    }),
    ticketType: t.relation('ticketType'),
    event: t.relation('event'),
  }),
});

builder.queryFields((t) => ({
  attendee: t.prismaField({
    type: 'Attendee',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => getAttendee(ctx.deps, { actor: ctx.actor, attendeeId: String(args.id), query }),
  }),
  attendees: t.prismaConnection(
    {
      type: 'Attendee',
      cursor: 'id',
      defaultSize: 50,
      maxSize: 200,
      description:
        'In registration order unless `orderBy` says otherwise. `search` looks in first name, last name and email; ' +
        `\`checkedIn\` is status CHECKED_IN or not. \`totalCount\` is exact, except with \`search\` or \`source\`, where it stops at ${withThousands(COUNT_CAP)}.`,
      args: {
        eventId: t.arg.id({ required: true }),
        status: t.arg({ type: AttendeeStatusEnum }),
        search: t.arg.string(),
        ticketTypeSlug: t.arg.string(),
        source: t.arg({ type: RegistrationSourceEnum }),
        checkedIn: t.arg.boolean(),
        orderBy: t.arg({ type: AttendeeOrderEnum }),
      },
      resolve: (query, _root, { eventId, ...filters }, ctx) => listAttendees(ctx.deps, { actor: ctx.actor, eventId: String(eventId), filters, query }),
      totalCount: (_root, { eventId, ...filters }, ctx) => countAttendees(ctx.deps, { actor: ctx.actor, eventId: String(eventId), filters }),
    },
    { name: 'AttendeeConnection' },
    { name: 'AttendeeEdge' },
  ),
}));

const FileDownload = builder.objectRef<Download>('FileDownload').implement({
  description: 'A file to fetch with a plain GET (a link, a browser download): no credentials needed, good until expiresAt.',
  fields: (t) => ({
    url: t.exposeString('url'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const CreateAttendeesExportInput = builder.inputType('CreateAttendeesExportInput', {
  fields: (t) => ({ eventId: t.id({ required: true }) }),
});

builder.mutationFields((t) => ({
  createAttendeesExport: t.field({
    type: FileDownload,
    description:
      `A link to the event’s attendees as CSV — the same file as GET /v1/events/{id}/registrations.csv, streamed — good for ${DOWNLOAD_LINK_SECONDS / 60} minutes, ` +
      'while the session or API key that asked stays valid. (Replaces attendeesCsv, which answered the whole file as one string.)',
    args: { input: t.arg({ type: CreateAttendeesExportInput, required: true }) },
    resolve: (_root, args, ctx) => attendeesCsvDownload(ctx.deps, { actor: requireActor(ctx.actor), eventId: String(args.input.eventId) }),
  }),
}));
