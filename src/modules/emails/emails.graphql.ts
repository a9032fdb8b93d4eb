import { readFile } from 'node:fs/promises';
import { builder } from '../../graphql/builder.ts';
import { listEmailLogs } from './emails.service.ts';

const EmailStatusEnum = builder.enumType('EmailStatus', { values: ['PENDING', 'SENT', 'FAILED'] as const });

const EmailLogRef = builder.prismaObject('EmailLog', {
  description: 'One email: its recipient, what happened to it, and (without SMTP) where the dev mailbox kept it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    attendeeId: t.exposeID('attendeeId', { nullable: true }),
    kind: t.exposeString('kind'),
    to: t.exposeString('to'),
    subject: t.exposeString('subject'),
    status: t.expose('status', { type: EmailStatusEnum }),
    attempts: t.exposeInt('attempts'),
    providerMessageId: t.exposeString('providerMessageId', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    devMailboxFile: t.exposeString('devMailboxFile', { nullable: true, description: 'The .eml file, when no SMTP_URL is set.' }),
    rawMessage: t.string({
      nullable: true,
      description: 'The whole message (RFC 822) from the dev mailbox, to read or save as .eml.',
      resolve: async (log) => (log.devMailboxFile ? await readFile(log.devMailboxFile, 'utf8').catch(() => null) : null),
    }),
  }),
});

builder.queryFields((t) => ({
  emailLogs: t.field({
    type: [EmailLogRef],
    description: 'The event’s emails, newest first (the last 500). OWNER/ADMIN only.',
    args: { eventId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => listEmailLogs(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId) }),
  }),
}));
