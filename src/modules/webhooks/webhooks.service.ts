import { isIP } from 'node:net';
import type { Deps } from '../../deps.ts';
import type { Prisma, WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client.ts';
import { encryptSecret } from '../../lib/crypto.ts';
import { invalidCursor, invalidField, invalidInput, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { takeLimit } from '../auth/abuse-limits.ts';
import { type Actor, type AuthenticatedActor, authorize } from '../auth/actor.ts';
import { findAuthorizedEvent } from '../events/events.service.ts';
import { attemptDelivery } from './webhook-delivery.ts';
import { samplePayload, serializeForEndpoint } from './webhook-payload.ts';
import { generateWebhookSecret } from './webhook-signing.ts';
import { resolvePublicAddresses, targetUrlProblem } from './webhook-targets.ts';
import {
  CreateWebhookEndpointInput,
  EndpointIdInput,
  RedeliverWebhookInput,
  SendTestWebhookInput,
  UpdateWebhookEndpointInput,
  WEBHOOK_TRIGGERS,
} from './webhooks.schemas.ts';

export interface CreatedEndpoint {
  endpoint: WebhookEndpoint;
  /** whsec_…: shown once; stored only encrypted with SECRET_KEY. */
  secret: string;
}

/** Webhook endpoints are managed from the dashboard by owners and admins ("not via the API"). */
function authorizeManager(actor: Actor): AuthenticatedActor {
  return authorize(actor, 'webhooks:manage');
}

export async function createWebhookEndpoint(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CreatedEndpoint> {
  const actor = authorizeManager(options.actor);
  const input = parseInput(CreateWebhookEndpointInput, options.input);
  await checkTargetUrl(deps, input.url);
  const eventId = input.eventId ? (await findAuthorizedEvent(deps, { actor, eventId: input.eventId, permission: 'events:read' })).event.id : null;
  const secret = generateWebhookSecret();
  const endpoint = await deps.prisma.webhookEndpoint.create({
    data: {
      id: newId('webhookEndpoint'),
      organisationId: actor.organisationId,
      eventId,
      url: input.url,
      description: input.description ?? null,
      triggers: input.triggers ?? [...WEBHOOK_TRIGGERS],
      selectedFields: input.selectedFields ?? [],
      secretCiphertext: encryptSecret(secret, deps.secretKey),
    },
  });
  return { endpoint, secret };
}

export async function updateWebhookEndpoint(deps: Deps, options: { actor: Actor; input: unknown }): Promise<WebhookEndpoint> {
  const input = parseInput(UpdateWebhookEndpointInput, options.input);
  const { actor, endpoint } = await findAuthorizedEndpoint(deps, options.actor, input.id);
  if (input.url !== undefined) await checkTargetUrl(deps, input.url);
  const eventId =
    input.eventId === undefined
      ? undefined
      : input.eventId === null
        ? null
        : (await findAuthorizedEvent(deps, { actor, eventId: input.eventId, permission: 'events:read' })).event.id;
  return await deps.prisma.webhookEndpoint.update({
    where: { id: endpoint.id },
    data: {
      url: input.url,
      eventId,
      triggers: input.triggers,
      selectedFields: input.selectedFields,
      description: input.description,
      enabled: input.enabled,
    },
  });
}

export async function deleteWebhookEndpoint(deps: Deps, options: { actor: Actor; input: unknown }): Promise<string> {
  const input = parseInput(EndpointIdInput, options.input);
  const { endpoint } = await findAuthorizedEndpoint(deps, options.actor, input.id);
  await deps.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
  return endpoint.id;
}

/** A new secret takes effect for every attempt from now on, retries of older deliveries included. */
export async function rotateWebhookSecret(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CreatedEndpoint> {
  const input = parseInput(EndpointIdInput, options.input);
  const { endpoint } = await findAuthorizedEndpoint(deps, options.actor, input.id);
  const secret = generateWebhookSecret();
  const updated = await deps.prisma.webhookEndpoint.update({
    where: { id: endpoint.id },
    data: { secretCiphertext: encryptSecret(secret, deps.secretKey) },
  });
  return { endpoint: updated, secret };
}

export async function listWebhookEndpoints(deps: Deps, options: { actor: Actor }): Promise<WebhookEndpoint[]> {
  const actor = authorizeManager(options.actor);
  return await deps.prisma.webhookEndpoint.findMany({ where: { organisationId: actor.organisationId }, orderBy: { createdAt: 'asc' } });
}

/** An endpoint's deliveries, newest first; `query` is Pothos's selection and page (attempts included). */
export async function listWebhookDeliveries(
  deps: Deps,
  options: { actor: Actor; endpointId: string; query: Omit<Prisma.WebhookDeliveryFindManyArgs, 'where' | 'orderBy'> },
): Promise<WebhookDelivery[]> {
  const { endpoint } = await findAuthorizedEndpoint(deps, options.actor, options.endpointId);
  const after = (options.query as { cursor?: { id?: string } }).cursor?.id;
  if (after && (await deps.prisma.webhookDelivery.count({ where: { id: after, endpointId: endpoint.id } })) === 0) throw invalidCursor();
  return await deps.prisma.webhookDelivery.findMany({ ...options.query, where: { endpointId: endpoint.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

/** A signed sample payload to one endpoint, now; the result is recorded like any delivery. */
export async function sendTestWebhook(deps: Deps, options: { actor: Actor; input: unknown }): Promise<WebhookDelivery> {
  const input = parseInput(SendTestWebhookInput, options.input);
  const { endpoint } = await findAuthorizedEndpoint(deps, options.actor, input.endpointId);
  // Each ping is a POST we make to a URL someone typed: a few a minute per endpoint, no more.
  await takeLimit(deps, (l) => l.testWebhooksByEndpoint, endpoint.id, 'test webhooks to this endpoint');
  const event = endpoint.eventId ? await deps.prisma.event.findUnique({ where: { id: endpoint.eventId }, select: { id: true, name: true } }) : null;
  const delivery = await deps.prisma.webhookDelivery.create({
    data: {
      id: newId('webhookDelivery'),
      endpointId: endpoint.id,
      trigger: 'ATTENDEE_REGISTERED',
      emissionId: newId('webhookDelivery').replace(/^whd_/, 'tst_'),
      payload: serializeForEndpoint(samplePayload(event), endpoint.selectedFields),
      isTest: true,
    },
  });
  return (await attemptDelivery(deps, { deliveryId: delivery.id, manual: true })) ?? delivery;
}

/** Sends a delivery again, now: same delivery id, fresh timestamp and signature, logged as a manual attempt. */
export async function redeliverWebhook(deps: Deps, options: { actor: Actor; input: unknown }): Promise<WebhookDelivery> {
  const actor = authorizeManager(options.actor);
  const input = parseInput(RedeliverWebhookInput, options.input);
  const id = parseId('webhookDelivery', input.deliveryId);
  const delivery = id ? await deps.prisma.webhookDelivery.findUnique({ where: { id }, include: { endpoint: { select: { organisationId: true } } } }) : null;
  if (!delivery) throw notFound('Webhook delivery');
  if (delivery.endpoint.organisationId !== actor.organisationId) throw notFound('Webhook delivery');
  return (await attemptDelivery(deps, { deliveryId: delivery.id, manual: true })) ?? delivery;
}

async function findAuthorizedEndpoint(deps: Deps, actor: Actor, rawId: string): Promise<{ actor: AuthenticatedActor; endpoint: WebhookEndpoint }> {
  const authorized = authorizeManager(actor);
  const id = parseId('webhookEndpoint', rawId);
  const endpoint = id ? await deps.prisma.webhookEndpoint.findUnique({ where: { id } }) : null;
  if (!endpoint) throw notFound('Webhook endpoint');
  if (endpoint.organisationId !== authorized.organisationId) throw notFound('Webhook endpoint');
  return { actor: authorized, endpoint };
}

/** http(s) only, and (unless WEBHOOK_ALLOW_PRIVATE_TARGETS) a public address, as resolved now. */
async function checkTargetUrl(deps: Deps, url: string): Promise<void> {
  const allowPrivate = deps.config.webhookAllowPrivateTargets;
  const problem = targetUrlProblem(url, allowPrivate);
  if (problem) throw invalidField('url', `The url field ${problem}.`);
  if (allowPrivate) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  const unresolved = await resolvePublicAddresses(host);
  if (unresolved) throw invalidInput({ url: [`The url field ${unresolved}.`] });
}
