import { isIP } from 'node:net';
import { poolSql, prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Prisma, WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client.ts';
import type { DeliveryStatus } from '../../generated/prisma/enums.ts';
import { type Actor, type AuthenticatedActor, authorize } from '../../lib/actor.ts';
import { encryptSecret } from '../../lib/crypto.ts';
import { invalidCursor, invalidField, invalidInput, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { COUNT_CAP } from '../../lib/pagination.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditWith } from '../audit/index.ts';
import { takeLimit } from '../auth/index.ts';
import { findAuthorizedEvent } from '../events/index.ts';
import { DELIVERY_QUEUE } from './delivery-engine.ts';
import { prepareAttempts, recordAttempts, sendAttempt } from './webhook-attempts.ts';
import { samplePayload, serializeForEndpoint } from './webhook-payload.ts';
import { generateWebhookSecret } from './webhook-signing.ts';
import { resolvePublicAddresses, targetUrlProblem } from './webhook-targets.ts';
import {
  CreateWebhookEndpointInput,
  DEFAULT_WEBHOOK_TRIGGERS,
  DELIVERY_STATUSES,
  EndpointIdInput,
  RedeliverWebhookInput,
  ReplayWebhookDeliveriesInput,
  RotateWebhookSecretInput,
  SendTestWebhookInput,
  UpdateWebhookEndpointInput,
} from './webhooks.schemas.ts';
import { countManualAttempt, endpointHealth, failPendingDeliveries } from './webhooks.sql.ts';

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
  const endpoint = await deps.prisma.$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: {
        id: newId('webhookEndpoint'),
        organisationId: actor.organisationId,
        eventId,
        url: input.url,
        description: input.description ?? null,
        triggers: input.triggers ?? [...DEFAULT_WEBHOOK_TRIGGERS],
        selectedFields: input.selectedFields ?? [],
        rateLimitPerSecond: input.rateLimitPerSecond ?? null,
        secretCiphertext: encryptSecret(secret, deps.secretKey),
      },
    });
    await auditWith(tx, actor, 'webhook.created', [created.id]);
    return created;
  });
  return { endpoint, secret };
}

/**
 * Changes an endpoint. Disabling it fails its pending deliveries (nothing more is sent); enabling it again
 * clears an automatic disable and the failing streak (what it missed can be replayed).
 */
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
  const enabling = input.enabled === true && !endpoint.enabled;
  const disabling = input.enabled === false && endpoint.enabled;
  const updated = await deps.db.transaction(async (tx) => {
    const changed = await tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: {
        url: input.url,
        eventId,
        triggers: input.triggers,
        selectedFields: input.selectedFields,
        description: input.description,
        enabled: input.enabled,
        rateLimitPerSecond: input.rateLimitPerSecond,
        ...(enabling ? { disabledReason: null, disabledAt: null, failingSince: null, pausedUntil: null } : {}),
      },
    });
    if (disabling) await failPendingDeliveries(prismaSql(tx), [endpoint.id]);
    await auditWith(tx, actor, 'webhook.updated', [endpoint.id]);
    return changed;
  });
  return updated;
}

export async function deleteWebhookEndpoint(deps: Deps, options: { actor: Actor; input: unknown }): Promise<string> {
  const input = parseInput(EndpointIdInput, options.input);
  const { actor, endpoint } = await findAuthorizedEndpoint(deps, options.actor, input.id);
  await deps.prisma.$transaction(async (tx) => {
    await tx.webhookEndpoint.delete({ where: { id: endpoint.id } });
    await auditWith(tx, actor, 'webhook.deleted', [endpoint.id]);
  });
  return endpoint.id;
}

/**
 * A new secret for every attempt from now on (retries of older deliveries included). With `overlapSeconds`
 * (default a day) the old secret keeps signing webhook-signature beside the new one until then, so receivers can
 * switch without dropping a webhook; X-EventoGate-Signature uses the new secret at once.
 */
export async function rotateWebhookSecret(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CreatedEndpoint> {
  const input = parseInput(RotateWebhookSecretInput, options.input);
  const { actor, endpoint } = await findAuthorizedEndpoint(deps, options.actor, input.id);
  const overlapSeconds = input.overlapSeconds ?? 86_400;
  const secret = generateWebhookSecret();
  const updated = await deps.prisma.$transaction(async (tx) => {
    const row = await tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: {
        secretCiphertext: encryptSecret(secret, deps.secretKey),
        previousSecretCiphertext: overlapSeconds > 0 ? endpoint.secretCiphertext : null,
        secretOverlapEndsAt: overlapSeconds > 0 ? new Date(deps.clock.nowMs() + overlapSeconds * 1000) : null,
      },
    });
    await auditWith(tx, actor, 'webhook.secret_rotated', [endpoint.id]);
    return row;
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
  options: { actor: Actor; endpointId: string; status?: DeliveryStatus | null; query: Omit<Prisma.WebhookDeliveryFindManyArgs, 'where' | 'orderBy'> },
): Promise<WebhookDelivery[]> {
  const { endpoint } = await findAuthorizedEndpoint(deps, options.actor, options.endpointId);
  const after = (options.query as { cursor?: { id?: string } }).cursor?.id;
  if (after && (await deps.prisma.webhookDelivery.count({ where: { id: after, endpointId: endpoint.id } })) === 0) throw invalidCursor();
  return await deps.prisma.webhookDelivery.findMany({
    ...options.query,
    where: { endpointId: endpoint.id, ...(options.status ? { status: options.status } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

/** How many deliveries the endpoint has (with `status`, if given), counted up to COUNT_CAP. */
export async function countWebhookDeliveries(deps: Deps, options: { actor: Actor; endpointId: string; status?: DeliveryStatus | null }): Promise<number> {
  const { endpoint } = await findAuthorizedEndpoint(deps, options.actor, options.endpointId);
  return await deps.prisma.webhookDelivery.count({
    where: { endpointId: endpoint.id, ...(options.status ? { status: options.status } : {}) },
    take: COUNT_CAP,
  });
}

/** A signed sample payload to one endpoint, now; the result is recorded like any delivery. A few a minute. */
export async function sendTestWebhook(deps: Deps, options: { actor: Actor; input: unknown }): Promise<WebhookDelivery> {
  const input = parseInput(SendTestWebhookInput, options.input);
  const { endpoint } = await findAuthorizedEndpoint(deps, options.actor, input.id);
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
      // Sent once, now, by hand: never by the engine.
      status: 'FAILED',
      nextAttemptAt: null,
    },
  });
  return await attemptNow(deps, delivery.id);
}

/** Sends a delivery again, now: same delivery id, fresh timestamp and signature, logged as a manual attempt. */
export async function redeliverWebhook(deps: Deps, options: { actor: Actor; input: unknown }): Promise<WebhookDelivery> {
  const actor = authorizeManager(options.actor);
  const input = parseInput(RedeliverWebhookInput, options.input);
  const id = parseId('webhookDelivery', input.id);
  const delivery = id ? await deps.prisma.webhookDelivery.findUnique({ where: { id }, include: { endpoint: { select: { organisationId: true } } } }) : null;
  if (!delivery || delivery.endpoint.organisationId !== actor.organisationId) throw notFound('Webhook delivery');
  return await attemptNow(deps, delivery.id);
}

/**
 * Asks for a manual attempt of every delivery of the endpoint created in [since, until) with one of `statuses`
 * (FAILED by default); the delivery engine sends them within the endpoint's limits. Returns how many were queued.
 */
export async function replayWebhookDeliveries(deps: Deps, options: { actor: Actor; input: unknown }): Promise<{ queued: number }> {
  const input = parseInput(ReplayWebhookDeliveriesInput, options.input);
  const { endpoint } = await findAuthorizedEndpoint(deps, options.actor, input.endpointId);
  if (!endpoint.enabled) throw invalidField('endpointId', 'The endpoint is disabled; enable it before replaying deliveries.');
  const statuses = input.statuses ?? ['FAILED'];
  const result = await deps.prisma.webhookDelivery.updateMany({
    where: {
      endpointId: endpoint.id,
      isTest: false,
      createdAt: { gte: input.since, ...(input.until ? { lt: input.until } : {}) },
      status: { in: statuses.filter((s) => (DELIVERY_STATUSES as readonly string[]).includes(s)) },
    },
    data: { replayRequestedAt: deps.clock.now() },
  });
  deps.jobs.wake(DELIVERY_QUEUE);
  return { queued: result.count };
}

/** An attempt of one delivery, from this request: logged, sent, recorded through the state machine. */
async function attemptNow(deps: Deps, deliveryId: string): Promise<WebhookDelivery> {
  const [attempt] = await deps.db.sqlTransaction(async (sql) => {
    const row = await countManualAttempt(sql, deliveryId);
    if (!row) throw notFound('Webhook delivery');
    return await prepareAttempts(
      deps,
      sql,
      [
        {
          id: row.id,
          endpointId: row.endpoint_id,
          trigger: row.trigger,
          payload: row.payload,
          attemptNumber: row.attempt_count,
          manual: true,
          url: row.url,
          secretCiphertext: row.secret_ciphertext,
          previousSecretCiphertext: row.previous_secret_ciphertext,
          secretOverlapEndsAt: row.secret_overlap_ends_at,
        },
      ],
      null,
    );
  });
  const outcome = await sendAttempt(deps, attempt!);
  await recordAttempts(deps, [{ attempt: attempt!, outcome }]);
  return await deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
}

export interface EndpointStats {
  succeeded24h: number;
  failed24h: number;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  pendingCount: number;
  p95DurationMs: number | null;
}

/** Health at a glance, from index ranges (the last day's attempts of one endpoint, its pending deliveries). */
export async function endpointStats(deps: Deps, endpoint: Pick<WebhookEndpoint, 'id' | 'lastSuccessAt' | 'lastFailureAt'>): Promise<EndpointStats> {
  const health = await endpointHealth(poolSql(deps), endpoint.id);
  return {
    succeeded24h: health.succeeded,
    failed24h: health.failed,
    lastSuccessAt: endpoint.lastSuccessAt,
    lastFailureAt: endpoint.lastFailureAt,
    pendingCount: health.pending,
    p95DurationMs: health.p95,
  };
}

async function findAuthorizedEndpoint(deps: Deps, actor: Actor, rawId: string): Promise<{ actor: AuthenticatedActor; endpoint: WebhookEndpoint }> {
  const authorized = authorizeManager(actor);
  const id = parseId('webhookEndpoint', rawId);
  const endpoint = id ? await deps.prisma.webhookEndpoint.findUnique({ where: { id } }) : null;
  if (!endpoint || endpoint.organisationId !== authorized.organisationId) throw notFound('Webhook endpoint');
  return { actor: authorized, endpoint };
}

/** Says how a developer receiving webhooks on their own machine gets past the private-address rule. */
function privateHint(problem: string): string {
  return /private|local/.test(problem) ? ' (for local development, the server can be started with WEBHOOK_ALLOW_PRIVATE_TARGETS=true)' : '';
}

/** http(s) only, and (unless WEBHOOK_ALLOW_PRIVATE_TARGETS) a public address, as resolved now. */
async function checkTargetUrl(deps: Deps, url: string): Promise<void> {
  const allowPrivate = deps.config.webhookAllowPrivateTargets;
  const problem = targetUrlProblem(url, allowPrivate);
  if (problem) throw invalidField('url', `The url field ${problem}${privateHint(problem)}.`);
  if (allowPrivate) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  const unresolved = await resolvePublicAddresses(host);
  if (unresolved) throw invalidInput({ url: [`The url field ${unresolved}${privateHint(unresolved)}.`] });
}
