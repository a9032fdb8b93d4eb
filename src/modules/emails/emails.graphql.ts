import { readFile } from 'node:fs/promises';
import { builder } from '../../graphql/builder.ts';
import { NodeRef } from '../../graphql/node.ts';
import { COUNT_CAP, withThousands } from '../../lib/pagination.ts';
import { countEmailLogs, listEmailLogs } from './emails.service.ts';

const EmailStatusEnum = builder.enumType('EmailStatus', { values: ['PENDING', 'SENT', 'FAILED'] as const });

builder.prismaObject('EmailLog', {
  interfaces: [NodeRef],
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
  emailLogs: t.prismaConnection(
    {
      type: 'EmailLog',
      cursor: 'id',
      defaultSize: 50,
      maxSize: 200,
      description: `The event’s emails, newest first. OWNER/ADMIN only. \`totalCount\` stops at ${withThousands(COUNT_CAP)}.`,
      args: { eventId: t.arg.id({ required: true }), status: t.arg({ type: EmailStatusEnum }) },
      resolve: (query, _root, { eventId, status }, ctx) => listEmailLogs(ctx.deps, { actor: ctx.actor, eventId: String(eventId), filters: { status }, query }),
      totalCount: (_root, { eventId, status }, ctx) => countEmailLogs(ctx.deps, { actor: ctx.actor, eventId: String(eventId), filters: { status } }),
    },
    { name: 'EmailLogConnection' },
    { name: 'EmailLogEdge' },
  ),
}));
