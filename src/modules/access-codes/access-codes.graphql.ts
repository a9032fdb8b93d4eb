import { builder } from '../../graphql/builder.ts';
import { requestLoader } from '../../graphql/loaders.ts';
import {
  accessCodesCsv,
  accessCodeUses,
  countAccessCodes,
  createAccessCode,
  createAccessCodes,
  deleteAccessCode,
  listAccessCodes,
  updateAccessCode,
} from './access-codes.service.ts';

builder.prismaObject('AccessCode', {
  description:
    'A code that unlocks hidden ticket types and may hold seats for its holders. Registrations send it as `access_code` (REST, public ' +
    'form); matched case-insensitively.',
  fields: (t) => ({
    id: t.exposeID('id'),
    code: t.exposeString('code'),
    ticketTypes: t.prismaField({
      type: ['TicketType'],
      description: 'The ticket types it is valid for; empty: every type of the event.',
      select: { ticketTypeIds: true },
      resolve: (query, code, _args, ctx) =>
        code.ticketTypeIds.length === 0
          ? []
          : ctx.deps.prisma.ticketType.findMany({ ...query, where: { id: { in: code.ticketTypeIds } }, orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] }),
    }),
    maxUses: t.exposeInt('maxUses', { nullable: true, description: 'Registrations it may make; null: no limit.' }),
    usedCount: t.int({
      description:
        'Registrations made with it that still count (waitlisted and pending included; cancelled and declined give theirs back), in the caller’s mode.',
      select: { id: true },
      resolve: (code, _args, ctx, info) =>
        requestLoader<string, number>(ctx, info, 'access-code-uses', async (ids) => {
          const uses = await accessCodeUses(ctx.deps, ctx.actor, ids);
          return ids.map((id) => uses.get(id) ?? 0);
        }).load(code.id),
    }),
    validFrom: t.expose('validFrom', { type: 'DateTime', nullable: true }),
    validUntil: t.expose('validUntil', { type: 'DateTime', nullable: true, description: 'Past it, the code is refused and holds no seats.' }),
    reservedSeats: t.exposeInt('reservedSeats', {
      description:
        'Seats held for its holders out of every limit all its types share (the event’s capacity; a type’s, for a code of one type; a quota’s, ' +
        'for a code whose types are all in it), released as they are used or when it expires, is disabled or deleted.',
    }),
    enabled: t.exposeBoolean('enabled'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const rules = (t: PothosInputFields) => ({
  ticketTypeIds: t.idList({ description: 'Empty or absent: every ticket type of the event.' }),
  maxUses: t.int({ description: 'Absent: no limit.' }),
  validFrom: t.field({ type: 'DateTime' }),
  validUntil: t.field({ type: 'DateTime' }),
  reservedSeats: t.int({ description: 'Default 0. At most maxUses.' }),
  enabled: t.boolean({ description: 'Default true.' }),
});
type PothosInputFields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

const CreateAccessCodeInput = builder.inputType('CreateAccessCodeInput', {
  fields: (t) => ({
    eventId: t.id({ required: true }),
    code: t.string({ description: 'Letters, digits, dashes and underscores (3–64); absent: a random one.' }),
    ...rules(t),
  }),
});

const CreateAccessCodesInput = builder.inputType('CreateAccessCodesInput', {
  fields: (t) => ({
    eventId: t.id({ required: true }),
    count: t.int({ required: true, description: '1 to 1,000 random codes with the same rules.' }),
    prefix: t.string({ description: 'Letters and digits put before each code ("VIP" → "VIP-7KQ2M9XC4T").' }),
    ...rules(t),
  }),
});

const UpdateAccessCodeInput = builder.inputType('UpdateAccessCodeInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    code: t.string(),
    ...rules(t),
  }),
});

const DeleteAccessCodeInput = builder.inputType('DeleteAccessCodeInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

builder.queryFields((t) => ({
  accessCodes: t.prismaConnection(
    {
      type: 'AccessCode',
      cursor: 'id',
      defaultSize: 50,
      maxSize: 200,
      description: 'An event’s access codes, oldest first.',
      args: { eventId: t.arg.id({ required: true }) },
      resolve: (query, _root, args, ctx) =>
        listAccessCodes(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), query: query as Parameters<typeof listAccessCodes>[1]['query'] }),
      totalCount: (_root, args, ctx) => countAccessCodes(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId) }),
    },
    { name: 'AccessCodeConnection' },
    { name: 'AccessCodeEdge' },
  ),
  accessCodesCsv: t.string({
    description: 'The event’s access codes as CSV with their use: code, ticket_type_slugs, max_uses, used, reserved_seats, valid_from, valid_until, enabled.',
    args: { eventId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => accessCodesCsv(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId) }),
  }),
}));

builder.mutationFields((t) => ({
  createAccessCode: t.prismaField({
    type: 'AccessCode',
    args: { input: t.arg({ type: CreateAccessCodeInput, required: true }) },
    resolve: (_query, _root, args, ctx) => createAccessCode(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  createAccessCodes: t.prismaField({
    type: ['AccessCode'],
    description: 'Random codes with the same rules, for sending one to each person of a list (export them with accessCodesCsv).',
    args: { input: t.arg({ type: CreateAccessCodesInput, required: true }) },
    resolve: (_query, _root, args, ctx) => createAccessCodes(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  updateAccessCode: t.prismaField({
    type: 'AccessCode',
    args: { input: t.arg({ type: UpdateAccessCodeInput, required: true }) },
    resolve: (_query, _root, args, ctx) => updateAccessCode(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  deleteAccessCode: t.id({
    description: 'Its held seats are released (those in line get them); who registered with it keep its text. Returns the id of what was deleted.',
    args: { input: t.arg({ type: DeleteAccessCodeInput, required: true }) },
    resolve: async (_root, args, ctx) => (await deleteAccessCode(ctx.deps, { actor: ctx.actor, input: args.input })).id,
  }),
}));
