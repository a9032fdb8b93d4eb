import { builder } from '../../graphql/builder.ts';
import { PAYLOAD_FIELDS } from './webhook-payload.ts';
import { WEBHOOK_TRIGGERS } from './webhooks.schemas.ts';
import {
  type CreatedEndpoint,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhook,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhookEndpoint,
} from './webhooks.service.ts';

const WebhookTriggerEnum = builder.enumType('WebhookTrigger', { values: WEBHOOK_TRIGGERS });
const DeliveryStatusEnum = builder.enumType('DeliveryStatus', { values: ['PENDING', 'SUCCEEDED', 'FAILED'] as const });

const WebhookEndpointRef = builder.prismaObject('WebhookEndpoint', {
  description: 'Where signed webhook POSTs go. Its secret is shown only by create and rotate.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    eventId: t.exposeID('eventId', { nullable: true, description: 'Only this event’s attendees; null for all events.' }),
    triggers: t.expose('triggers', { type: [WebhookTriggerEnum] }),
    selectedFields: t.exposeStringList('selectedFields', {
      description: `Payload keys to send (plus trigger); empty sends all: ${PAYLOAD_FIELDS.join(', ')}.`,
    }),
    enabled: t.exposeBoolean('enabled'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('WebhookAttempt', {
  fields: (t) => ({
    attemptNumber: t.exposeInt('attemptNumber'),
    manual: t.exposeBoolean('manual', { description: 'A redelivery or test ping someone asked for.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
    error: t.exposeString('error', { nullable: true }),
    errorClass: t.exposeString('errorClass', { nullable: true, description: 'timeout, connection, http_status, redirect or blocked_target.' }),
    requestHeaders: t.expose('requestHeaders', { type: 'JSON' }),
    requestBody: t.exposeString('requestBody'),
    responseBody: t.exposeString('responseBody', { nullable: true, description: 'The first 2 KB.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('WebhookDelivery', {
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
    triggers: t.field({ type: [WebhookTriggerEnum], description: 'Defaults to all three.' }),
    selectedFields: t.stringList(),
    description: t.string(),
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
  }),
});

const EndpointIdInput = (name: string) => builder.inputType(name, { fields: (t) => ({ id: t.id({ required: true }) }) });
const RotateWebhookSecretInput = EndpointIdInput('RotateWebhookSecretInput');
const DeleteWebhookEndpointInput = EndpointIdInput('DeleteWebhookEndpointInput');
const SendTestWebhookInput = builder.inputType('SendTestWebhookInput', { fields: (t) => ({ endpointId: t.id({ required: true }) }) });
const RedeliverWebhookInput = builder.inputType('RedeliverWebhookInput', { fields: (t) => ({ deliveryId: t.id({ required: true }) }) });

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
      description: 'Newest first, with every attempt.',
      args: { endpointId: t.arg.id({ required: true }) },
      resolve: (query, _root, args, ctx) => listWebhookDeliveries(ctx.deps, { actor: ctx.actor, endpointId: String(args.endpointId), query }),
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
  redeliverWebhook: t.prismaField({
    type: 'WebhookDelivery',
    description: 'Sends the delivery again now (same id, fresh signature) and logs a manual attempt.',
    args: { input: t.arg({ type: RedeliverWebhookInput, required: true }) },
    resolve: (_query, _root, args, ctx) => redeliverWebhook(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
}));
