import { builder } from '../../graphql/builder.ts';
import { AUDIT_ACTIONS, listAuditLog } from '../audit/index.ts';
import { exportPersonalData } from './personal-data-export.ts';
import { eraseAttendee, erasePersonalData } from './privacy.service.ts';

builder.prismaObject('AuditEntry', {
  description: 'Who did what to personal data or settings. Append-only; kept AUDIT_LOG_RETENTION_DAYS (365).',
  fields: (t) => ({
    id: t.exposeID('id'),
    action: t.exposeString('action', { description: AUDIT_ACTIONS.join(', ') }),
    actorType: t.exposeString('actorType', { description: 'user, api_key or system (retention)' }),
    actorId: t.exposeString('actorId', { nullable: true, description: 'The user’s id, or the API key’s prefix; null for the system.' }),
    subjectId: t.exposeString('subjectId', {
      nullable: true,
      description: 'What was acted on: an id (attendee, event, key, endpoint, member), or an erased or exported email’s keyed hash.',
    }),
    requestId: t.exposeString('requestId', {
      nullable: true,
      description: 'Our id of the request that did it (its X-Request-Id response header and log lines); null for the system.',
    }),
    clientRequestId: t.exposeString('clientRequestId', {
      nullable: true,
      description: 'The X-Request-Id the caller sent with it, if any (printable ASCII, at most 128 characters).',
    }),
    detail: t.field({
      type: 'JSON',
      nullable: true,
      description: 'What changed, never personal data: attendee.status_changed {from, to}; attendee.updated {fields}.',
      resolve: (entry) => entry.detail ?? null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ErasureResultRef = builder.objectRef<{ attendeesErased: number }>('ErasureResult').implement({
  fields: (t) => ({ attendeesErased: t.exposeInt('attendeesErased') }),
});

const PersonalDataInput = builder.inputType('PersonalDataInput', {
  fields: (t) => ({ email: t.string({ required: true, description: 'Matched in any case, across every event, live and test.' }) }),
});
const EraseAttendeeInput = builder.inputType('EraseAttendeeInput', { fields: (t) => ({ attendeeId: t.id({ required: true }) }) });

builder.mutationFields((t) => ({
  erasePersonalData: t.field({
    type: ErasureResultRef,
    description:
      'Erases every attendee of the organisation with this email and every copy of their data (webhook deliveries and ' +
      'attempts, emails and mailbox files, job payloads, stored idempotent responses, import files). Counts, statuses ' +
      'and check-in times stay. OWNER/ADMIN.',
    args: { input: t.arg({ type: PersonalDataInput, required: true }) },
    resolve: (_root, { input }, ctx) => erasePersonalData(ctx.deps, { actor: ctx.actor, input }),
  }),
  eraseAttendee: t.prismaField({
    type: 'Attendee',
    description: 'Erases one attendee as erasePersonalData does. OWNER/ADMIN.',
    args: { input: t.arg({ type: EraseAttendeeInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => eraseAttendee(ctx.deps, { actor: ctx.actor, input: { attendeeId: String(input.attendeeId) } }),
  }),
  exportPersonalData: t.field({
    type: 'JSON',
    description:
      'Every record the organisation holds on the person with this email: registrations with answers, scans, emails ' +
      'sent, webhook deliveries about them. OWNER/ADMIN; audited.',
    args: { input: t.arg({ type: PersonalDataInput, required: true }) },
    resolve: (_root, { input }, ctx) => exportPersonalData(ctx.deps, { actor: ctx.actor, input }),
  }),
}));

builder.queryFields((t) => ({
  auditLog: t.prismaConnection(
    {
      type: 'AuditEntry',
      cursor: 'id',
      defaultSize: 50,
      maxSize: 200,
      description: 'The organisation’s audit log, newest first. OWNER/ADMIN.',
      args: {
        action: t.arg.string({ description: AUDIT_ACTIONS.join(', ') }),
        actions: t.arg.stringList({ description: 'Any of these actions (with `action`: that one too).' }),
        subjectId: t.arg.id({ description: 'Only entries about this subject (an attendee’s history on its page).' }),
      },
      resolve: (query, _root, { action, actions, subjectId }, ctx) =>
        listAuditLog(ctx.deps, {
          actor: ctx.actor,
          filters: { action, actions, subjectId: subjectId === null || subjectId === undefined ? subjectId : String(subjectId) },
          query,
        }),
    },
    { name: 'AuditEntryConnection' },
    { name: 'AuditEntryEdge' },
  ),
}));
