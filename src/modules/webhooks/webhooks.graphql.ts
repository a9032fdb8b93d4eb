import { builder } from '../../graphql/builder.ts';
import { NodeRef } from '../../graphql/node.ts';
import { COUNT_CAP, withThousands } from '../../lib/pagination.ts';
import { SELECTABLE_FIELDS } from './webhook-payload.ts';
import { WEBHOOK_TRIGGERS } from './webhooks.schemas.ts';
import {
  type CreatedEndpoint,
  countWebhookDeliveries,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  type EndpointStats,
  endpointStats,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhook,
  replayWebhookDeliveries,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhookEndpoint,
} from './webhooks.service.ts';

const WebhookTriggerEnum = builder.enumType('WebhookTrigger', { values: WEBHOOK_TRIGGERS });
const DeliveryStatusEnum = builder.enumType('DeliveryStatus', { values: ['PENDING', 'SUCCEEDED', 'FAILED'] as const });

const EndpointStatsRef = builder.objectRef<EndpointStats>('WebhookEndpointStats').implement({
  description: 'Health at a glance: the last 24 hours of attempts, and what is waiting.',
  fields: (t) => ({
    succeeded24h: t.exposeInt('succeeded24h'),
    failed24h: t.exposeInt('failed24h'),
    lastSuccessAt: t.expose('lastSuccessAt', { type: 'DateTime', nullable: true }),
    lastFailureAt: t.expose('lastFailureAt', { type: 'DateTime', nullable: true }),
    pendingCount: t.exposeInt('pendingCount'),
    p95DurationMs: t.exposeInt('p95DurationMs', { nullable: true }),
  }),
});

const ReplayResultRef = builder.objectRef<{ queued: number }>('ReplayWebhookDeliveriesResult').implement({
  fields: (t) => ({ queued: t.exposeInt('queued', { description: 'Deliveries that will be sent again (manual attempts, same ids).' }) }),
});

const WebhookEndpointRef = builder.prismaObject('WebhookEndpoint', {
  interfaces: [NodeRef],
  description: 'Where signed webhook POSTs go. Its secret is shown only by create and rotate.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    eventId: t.exposeID('eventId', { nullable: true, description: 'Only this event’s attendees; null for all events.' }),
    triggers: t.expose('triggers', { type: [WebhookTriggerEnum] }),
    selectedFields: t.exposeStringList('selectedFields', {
      description: `Payload keys to send (plus trigger): ${SELECTABLE_FIELDS.join(', ')}. Empty sends the seed's keys (all but access_code, sent only when selected).`,
    }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.exposeString('disabledReason', { nullable: true, description: 'Why it was disabled automatically (410 Gone, failing too long).' }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true }),
    rateLimitPerSecond: t.exposeInt('rateLimitPerSecond', { nullable: true, description: 'Attempts per second at most; null: only the concurrency limit.' }),
    pausedUntil: t.expose('pausedUntil', { type: 'DateTime', nullable: true, description: 'The receiver asked us to wait (429/503 Retry-After) until then.' }),
    secretOverlapEndsAt: t.expose('secretOverlapEndsAt', {
      type: 'DateTime',
      nullable: true,
      description: 'After a rotation: until then webhook-signature carries the old secret’s signature too.',
    }),
    stats: t.field({ type: EndpointStatsRef, resolve: (endpoint, _args, ctx) => endpointStats(ctx.deps, endpoint) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('WebhookAttempt', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    attemptNumber: t.exposeInt('attemptNumber'),
    manual: t.exposeBoolean('manual', { description: 'A redelivery or test ping someone asked for.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
    error: t.exposeString('error', { nullable: true }),
    errorClass: t.exposeString('errorClass', {
      nullable: true,
      description: 'timeout, connection, http_status, redirect, blocked_target; in_flight while sent; interrupted if its worker stopped first.',
    }),
    requestHeaders: t.expose('requestHeaders', { type: 'JSON' }),
    requestBody: t.exposeString('requestBody'),
    responseBody: t.exposeString('responseBody', { nullable: true, description: 'The first 2 KB.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('WebhookDelivery', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'whd_…: the X-EventoGate-Delivery and webhook-id headers, the same on every attempt.' }),
    trigger: t.expose('trigger', { type: WebhookTriggerEnum }),
    status: t.expose('status', { type: DeliveryStatusEnum }),
    isTest: t.exposeBoolean('isTest'),
    attendeeId: t.exposeID('attendeeId', { nullable: true }),
    payload: t.exposeString('payload', { description: 'The exact body sent.' }),
    attemptCount: t.exposeInt('attemptCount'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    endpoint: t.relation('endpoint'),
    attempts: t.relation('attempts', { query: { orderBy: { attemptNumber: 'asc' } } }),
  }),
});

const CreatedWebhookEndpoint = builder.objectRef<CreatedEndpoint>('CreatedWebhookEndpoint').implement({
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: (created) => created.endpoint }),
    secret: t.exposeString('secret', { description: 'whsec_…; store it now, it is never shown again.' }),
  }),
});

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true }),
    eventId: t.id(),
    triggers: t.field({
      type: [WebhookTriggerEnum],
      description: 'Defaults to the three attendee triggers; ATTENDEE_SCAN_CONFLICT, ATTENDEE_WAITLISTED and ATTENDEE_PENDING_APPROVAL are opt-in.',
    }),
    selectedFields: t.stringList(),
    description: t.string(),
    rateLimitPerSecond: t.int(),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string(),
    enabled: t.boolean(),
    triggers: t.field({ type: [WebhookTriggerEnum] }),
    selectedFields: t.stringList(),
    eventId: t.id({ description: 'null: all events.' }),
    description: t.string(),
    rateLimitPerSecond: t.int({ description: 'null: no rate limit.' }),
  }),
});

const EndpointIdInput = (name: string) => builder.inputType(name, { fields: (t) => ({ id: t.id({ required: true }) }) });
const RotateWebhookSecretInput = builder.inputType('RotateWebhookSecretInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    overlapSeconds: t.int({ description: 'How long the old secret keeps signing webhook-signature too (default 86400; 0: none).' }),
  }),
});
const DeliveryStatusInputEnum = DeliveryStatusEnum;
const ReplayWebhookDeliveriesInput = builder.inputType('ReplayWebhookDeliveriesInput', {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    since: t.field({ type: 'DateTime', required: true }),
    until: t.field({ type: 'DateTime' }),
    statuses: t.field({ type: [DeliveryStatusInputEnum], description: 'Default: [FAILED].' }),
  }),
});
const DeleteWebhookEndpointInput = EndpointIdInput('DeleteWebhookEndpointInput');
// `id` as in every mutation on one object; the first names stay accepted for a while (one of the two).
const SendTestWebhookInput = builder.inputType('SendTestWebhookInput', {
  fields: (t) => ({
    id: t.id({ description: 'The endpoint (whk_…).' }),
    endpointId: t.id({ deprecationReason: 'Use id, as updateWebhookEndpoint and rotateWebhookSecret do.' }),
  }),
});
const RedeliverWebhookInput = builder.inputType('RedeliverWebhookInput', {
  fields: (t) => ({
    id: t.id({ description: 'The delivery (whd_…).' }),
    deliveryId: t.id({ deprecationReason: 'Use id, as every mutation on one object does.' }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [WebhookEndpointRef],
    description: 'OWNER/ADMIN only.',
    resolve: (_root, _args, ctx) => listWebhookEndpoints(ctx.deps, { actor: ctx.actor }),
  }),
  webhookDeliveries: t.prismaConnection(
    {
      type: 'WebhookDelivery',
      cursor: 'id',
      defaultSize: 25,
      maxSize: 100,
      description: `Newest first, with every attempt. \`totalCount\` stops at ${withThousands(COUNT_CAP)}.`,
      args: { endpointId: t.arg.id({ required: true }), status: t.arg({ type: DeliveryStatusEnum, description: 'Only deliveries in this state.' }) },
      resolve: (query, _root, args, ctx) =>
        listWebhookDeliveries(ctx.deps, { actor: ctx.actor, endpointId: String(args.endpointId), status: args.status ?? null, query }),
      totalCount: (_root, args, ctx) =>
        countWebhookDeliveries(ctx.deps, { actor: ctx.actor, endpointId: String(args.endpointId), status: args.status ?? null }),
    },
    { name: 'WebhookDeliveryConnection' },
    { name: 'WebhookDeliveryEdge' },
  ),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreatedWebhookEndpoint,
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: (_root, args, ctx) => createWebhookEndpoint(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  updateWebhookEndpoint: t.field({
    type: WebhookEndpointRef,
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: (_root, args, ctx) => updateWebhookEndpoint(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  deleteWebhookEndpoint: t.id({
    description: 'Deletes the endpoint with its delivery log; returns its id.',
    args: { input: t.arg({ type: DeleteWebhookEndpointInput, required: true }) },
    resolve: (_root, args, ctx) => deleteWebhookEndpoint(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  rotateWebhookSecret: t.field({
    type: CreatedWebhookEndpoint,
    args: { input: t.arg({ type: RotateWebhookSecretInput, required: true }) },
    resolve: (_root, args, ctx) => rotateWebhookSecret(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  sendTestWebhook: t.prismaField({
    type: 'WebhookDelivery',
    description: 'Sends a signed sample payload now and returns the delivery with its attempt.',
    args: { input: t.arg({ type: SendTestWebhookInput, required: true }) },
    resolve: (_query, _root, args, ctx) => sendTestWebhook(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  replayWebhookDeliveries: t.field({
    type: ReplayResultRef,
    description: 'Sends again (manual attempts, same delivery ids) the endpoint’s deliveries created in [since, until).',
    args: { input: t.arg({ type: ReplayWebhookDeliveriesInput, required: true }) },
    resolve: (_root, args, ctx) => replayWebhookDeliveries(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  redeliverWebhook: t.prismaField({
    type: 'WebhookDelivery',
    description: 'Sends the delivery again now (same id, fresh signature) and logs a manual attempt.',
    args: { input: t.arg({ type: RedeliverWebhookInput, required: true }) },
    resolve: (_query, _root, args, ctx) => redeliverWebhook(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
}));
