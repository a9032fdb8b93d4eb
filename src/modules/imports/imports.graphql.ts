import type { ImportJob } from '../../generated/prisma/client.ts';
import { builder } from '../../graphql/builder.ts';
import { NodeRef } from '../../graphql/node.ts';
import { liveValue } from '../auth/index.ts';
import type { ImportRowError } from './import-csv.ts';
import { countImportJobs, getImportJob, importAttendees, listImportJobs, watchImport } from './imports.service.ts';

const ImportStatusEnum = builder.enumType('ImportStatus', { values: ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED'] as const });

const ImportRowErrorRef = builder.objectRef<ImportRowError>('ImportRowError').implement({
  description: 'A row the import could not take. Rows are numbered as in a spreadsheet: the header is row 1.',
  fields: (t) => ({ row: t.exposeInt('row'), field: t.exposeString('field'), message: t.exposeString('message') }),
});

const ImportJobRef = builder.prismaObject('ImportJob', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    eventId: t.exposeID('eventId'),
    status: t.expose('status', { type: ImportStatusEnum }),
    dryRun: t.exposeBoolean('dryRun', { description: 'Validated every row and wrote nothing.' }),
    sendEmails: t.exposeBoolean('sendEmails'),
    total: t.exposeInt('total', { description: 'Attendee rows in the file.' }),
    processed: t.exposeInt('processed'),
    created: t.exposeInt('created'),
    skipped: t.exposeInt('skipped'),
    errors: t.field({ type: [ImportRowErrorRef], resolve: (job) => job.errors as unknown as ImportRowError[] }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ImportAttendeesInput = builder.inputType('ImportAttendeesInput', {
  description: 'CSV with a header: first_name,last_name,email,phone,country,ticket_type_slug and one column per custom field key. Up to 10 MB / 50,000 rows.',
  fields: (t) => ({
    eventId: t.id({ required: true }),
    csv: t.string({ required: true }),
    sendEmails: t.boolean({ description: 'Send each imported attendee the confirmation email (default false).' }),
    dryRun: t.boolean({ description: 'Only validate; write nothing (default false).' }),
  }),
});

builder.queryFields((t) => ({
  importJob: t.field({
    type: ImportJobRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getImportJob(ctx.deps, { actor: ctx.actor, id: String(args.id) }),
  }),
  importJobs: t.prismaConnection(
    {
      type: 'ImportJob',
      cursor: 'id',
      defaultSize: 20,
      maxSize: 100,
      description: 'The event’s imports, newest first. OWNER/ADMIN only.',
      args: { eventId: t.arg.id({ required: true }) },
      // The rows come without the uploaded file, which no GraphQL field exposes.
      resolve: async (query, _root, args, ctx) => (await listImportJobs(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), query })) as ImportJob[],
      totalCount: (_root, args, ctx) => countImportJobs(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId) }),
    },
    { name: 'ImportJobConnection' },
    { name: 'ImportJobEdge' },
  ),
}));

builder.mutationFields((t) => ({
  importAttendees: t.field({
    type: ImportJobRef,
    description: 'Returns at once; a background job imports the rows (follow it with importProgress). OWNER/ADMIN.',
    args: { input: t.arg({ type: ImportAttendeesInput, required: true }) },
    resolve: (_root, args, ctx) => importAttendees(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
}));

builder.subscriptionFields((t) => ({
  importProgress: t.field({
    type: ImportJobRef,
    description: 'The job now, then after every batch until it completes or fails.',
    args: { jobId: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => watchImport(ctx.deps, { actor: ctx.actor, id: String(args.jobId), signal: ctx.signal }),
    resolve: (job) => liveValue(job),
  }),
}));
