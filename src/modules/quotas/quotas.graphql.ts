import { builder } from '../../graphql/builder.ts';
import { eventCountsOf, quotaCounts } from '../events/index.ts';
import { createQuota, deleteQuota, listQuotas, updateQuota } from './quotas.service.ts';

builder.prismaObject('Quota', {
  description: 'Seats shared by several ticket types: a registration takes one from every quota of its type (and from the type’s and event’s capacity).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    size: t.exposeInt('size', { description: 'Seats the types share.' }),
    ticketTypes: t.prismaField({
      type: ['TicketType'],
      description: 'The ticket types that share it, in the event’s order.',
      select: { ticketTypeIds: true },
      resolve: (query, quota, _args, ctx) =>
        ctx.deps.prisma.ticketType.findMany({ ...query, where: { id: { in: quota.ticketTypeIds } }, orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] }),
    }),
    registeredCount: t.int({
      description: 'Seats of its types held (offers included), in the caller’s mode.',
      select: { eventId: true },
      resolve: async (quota, _args, ctx, info) => quotaCounts(await eventCountsOf(ctx, info, quota.eventId), quota.id).registered,
    }),
    remaining: t.int({
      description: 'Seats still open in it to a registration without an access code (seats held for codes’ holders excluded), in the caller’s mode.',
      select: { eventId: true },
      resolve: async (quota, _args, ctx, info) => quotaCounts(await eventCountsOf(ctx, info, quota.eventId), quota.id).remaining,
    }),
  }),
});

builder.prismaObjectFields('Event', (t) => ({
  quotas: t.prismaField({
    type: ['Quota'],
    description: 'Seats shared by several of its ticket types, in creation order.',
    select: { id: true },
    resolve: (_query, event, _args, ctx) => listQuotas(ctx.deps, event.id),
  }),
}));

const CreateQuotaInput = builder.inputType('CreateQuotaInput', {
  fields: (t) => ({
    eventId: t.id({ required: true }),
    name: t.string({ required: true }),
    size: t.int({ required: true, description: '0 to 1,000,000 seats.' }),
    ticketTypeIds: t.idList({ required: true, description: 'The event’s ticket types that share it (at least one).' }),
  }),
});

const UpdateQuotaInput = builder.inputType('UpdateQuotaInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    size: t.int({ description: 'Grown, it seats those in line at once; shrunk below what is held, nobody loses a seat but nobody new gets one.' }),
    ticketTypeIds: t.idList(),
  }),
});

const DeleteQuotaInput = builder.inputType('DeleteQuotaInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

builder.mutationFields((t) => ({
  createQuota: t.prismaField({
    type: 'Quota',
    args: { input: t.arg({ type: CreateQuotaInput, required: true }) },
    resolve: (_query, _root, args, ctx) => createQuota(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  updateQuota: t.prismaField({
    type: 'Quota',
    args: { input: t.arg({ type: UpdateQuotaInput, required: true }) },
    resolve: (_query, _root, args, ctx) => updateQuota(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  deleteQuota: t.id({
    description: 'Its seats stop being shared (those in line get any that are now free). Returns the id of what was deleted.',
    args: { input: t.arg({ type: DeleteQuotaInput, required: true }) },
    resolve: async (_root, args, ctx) => (await deleteQuota(ctx.deps, { actor: ctx.actor, input: args.input })).id,
  }),
}));
