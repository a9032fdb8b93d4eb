import { LRUCache } from 'lru-cache';
import { poolSql, type Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { WebhookTrigger } from '../../generated/prisma/client.ts';
import { decryptSecret } from '../../lib/crypto.ts';
import { idTime, newId } from '../../lib/ids.ts';
import { sendNotificationEmail } from '../auth/index.ts';
import { organisationManagers } from '../members/index.ts';
import { nextDeliveryState } from './delivery-state.ts';
import { type AttemptOutcome, postWebhook } from './webhook-http.ts';
import { TRIGGER_NAMES } from './webhook-payload.ts';
import { signWebhook } from './webhook-signing.ts';
import {
  completeAttempts,
  type DeliveryUpdate,
  disableEndpoints,
  type EndpointOutcome,
  insertAttempts,
  lockDeliveries,
  type NewAttempt,
  recordEndpointOutcomes,
  updateDeliveries,
} from './webhooks.sql.ts';

/**
 * One attempt's life, shared by the delivery engine (automatic attempts and replays, in batches) and the
 * dashboard (a redelivery or test ping, now): the attempt row is written before the POST leaves (so every POST
 * is logged, even one whose worker dies), the POST is sent, and the outcome is recorded under the delivery's
 * lock through the one state machine (delivery-state.ts).
 */
export interface OutgoingAttempt {
  attemptId: string;
  deliveryId: string;
  endpointId: string;
  manual: boolean;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The engine's lease on the delivery (released when recorded); null for dashboard attempts. */
  leaseToken: string | null;
  /** The delivery's first attempt, and when it was signed: the delivery lag metric is measured to there. */
  first: boolean;
  preparedAt: Date;
}

export interface DeliveryToSend {
  id: string;
  endpointId: string;
  trigger: WebhookTrigger;
  payload: string;
  attemptNumber: number;
  manual: boolean;
  url: string;
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  secretOverlapEndsAt: Date | null;
}

// Decrypting a secret costs more than signing with it; ciphertexts change whenever a secret does.
const secrets = new LRUCache<string, string>({ max: 10_000 });

function secretOf(deps: Pick<Deps, 'secretKey'>, ciphertext: string): string {
  const key = `${deps.secretKey.length}:${ciphertext}`;
  let secret = secrets.get(key);
  if (secret === undefined) {
    secret = decryptSecret(ciphertext, deps.secretKey);
    secrets.set(key, secret);
  }
  return secret;
}

/** Signs and logs the attempts (in the caller's transaction), ready to send once it commits. */
export async function prepareAttempts(
  deps: Pick<Deps, 'secretKey' | 'clock'>,
  sql: Sql,
  deliveries: DeliveryToSend[],
  leaseToken: string | null,
): Promise<OutgoingAttempt[]> {
  // webhook-timestamp leaves the system: the database's time, whatever this process's clock says.
  const now = deps.clock.now();
  const outgoing = deliveries.map((d): OutgoingAttempt => {
    const overlap = d.previousSecretCiphertext && d.secretOverlapEndsAt && d.secretOverlapEndsAt > now;
    const headers = signWebhook({
      secret: secretOf(deps, d.secretCiphertext),
      previousSecret: overlap ? secretOf(deps, d.previousSecretCiphertext!) : null,
      body: d.payload,
      deliveryId: d.id,
      trigger: TRIGGER_NAMES[d.trigger],
      timestamp: now,
    });
    return {
      attemptId: newId('webhookAttempt'),
      deliveryId: d.id,
      endpointId: d.endpointId,
      manual: d.manual,
      url: d.url,
      headers: { ...headers },
      body: d.payload,
      leaseToken,
      first: d.attemptNumber === 1,
      preparedAt: now,
    };
  });
  await insertAttempts(
    sql,
    outgoing.map(
      (a, i): NewAttempt => ({
        id: a.attemptId,
        deliveryId: a.deliveryId,
        endpointId: a.endpointId,
        attemptNumber: deliveries[i]!.attemptNumber,
        manual: a.manual,
        requestHeaders: a.headers,
        requestBody: a.body,
      }),
    ),
  );
  return outgoing;
}

export async function sendAttempt(deps: Pick<Deps, 'config'>, attempt: OutgoingAttempt): Promise<AttemptOutcome> {
  return await postWebhook({
    url: attempt.url,
    headers: attempt.headers,
    body: attempt.body,
    timeoutMs: deps.config.webhookTimeoutMs,
    allowPrivateTargets: deps.config.webhookAllowPrivateTargets,
  });
}

/**
 * Records outcomes: the attempts, each delivery's next state (under its row lock, so concurrent recordings of
 * one delivery — an automatic attempt and a redelivery — apply one after the other and a success is never
 * undone), then the endpoints' health, disabling those that answered 410 or failed too long.
 */
export async function recordAttempts(deps: Deps, results: Array<{ attempt: OutgoingAttempt; outcome: AttemptOutcome }>): Promise<void> {
  if (results.length === 0) return;
  for (const { attempt, outcome } of results) {
    deps.metrics.webhookAttempts.inc({ outcome: outcome.errorClass ?? 'success' });
    const createdAt = attempt.first ? idTime(attempt.deliveryId) : null;
    if (createdAt !== null) deps.metrics.deliveryLag.observe(Math.max(0, attempt.preparedAt.getTime() - createdAt) / 1000);
  }
  // Retries are due by the database's clock (claims compare next_attempt_at with now()).
  const now = deps.clock.now();
  // A deadlock victim runs again: an answer the receiver gave is never lost to a lock conflict (it would be
  // retried as "interrupted", a duplicate POST). Every statement on deliveries locks in id order, so this is rare.
  await deps.db.sqlTransaction(
    async (sql) => {
      const locked = await lockDeliveries(sql, [...new Set(results.map((r) => r.attempt.deliveryId))]);
      await completeAttempts(
        sql,
        results.map(({ attempt, outcome }) => ({
          attemptId: attempt.attemptId,
          statusCode: outcome.statusCode,
          responseBody: outcome.responseBody,
          durationMs: outcome.durationMs,
          error: outcome.error,
          errorClass: outcome.errorClass,
        })),
      );
      const updates = new Map<string, DeliveryUpdate>();
      for (const { attempt, outcome } of results) {
        const current = locked.get(attempt.deliveryId);
        if (!current) continue; // deleted with its endpoint meanwhile
        const facts = {
          status: current.status,
          automaticAttempts: current.automatic_attempts,
          nextAttemptAt: current.next_attempt_at,
          succeededBefore: current.succeeded,
          endpointEnabled: current.endpoint_enabled,
        };
        const next = nextDeliveryState(facts, { manual: attempt.manual, outcome }, { retryDelaysMs: deps.config.webhookRetryDelaysMs, now });
        // Two outcomes of one delivery in one batch: the second applies to the first's result.
        current.status = next.status;
        current.automatic_attempts = next.automaticAttempts;
        current.next_attempt_at = next.nextAttemptAt;
        current.succeeded ||= outcome.succeeded;
        updates.set(attempt.deliveryId, {
          id: attempt.deliveryId,
          ...next,
          leaseToken: attempt.leaseToken ?? updates.get(attempt.deliveryId)?.leaseToken ?? null,
        });
      }
      await updateDeliveries(sql, [...updates.values()]);
    },
    { retryOnConflict: 3 },
  );

  const outcomes: EndpointOutcome[] = results.map(({ attempt, outcome }) => ({
    endpointId: attempt.endpointId,
    succeeded: outcome.succeeded,
    pausedUntil: outcome.retryAfterMs != null ? new Date(now.getTime() + outcome.retryAfterMs) : null,
    gone: Boolean(outcome.gone),
  }));
  // One statement, its own transaction (and usually a no-op: see recordEndpointOutcomes); disabling is rare.
  const toDisable = await recordEndpointOutcomes(poolSql(deps), outcomes, deps.config.webhookDisableAfterMs);
  if (toDisable.length === 0) return;
  const disabled = await deps.db.sqlTransaction(async (sql) => {
    const rows = await disableEndpoints(sql, toDisable);
    for (const endpoint of rows) await notifyDisabled(deps, sql, endpoint);
    return rows;
  });
  for (const endpoint of disabled) deps.logger.warn({ endpointId: endpoint.id, reason: endpoint.disabled_reason }, 'webhook endpoint disabled');
}

/** The organisation's owners and admins learn that an endpoint was disabled, and why. */
async function notifyDisabled(deps: Deps, sql: Sql, endpoint: { id: string; organisation_id: string; url: string; disabled_reason: string }): Promise<void> {
  for (const manager of await organisationManagers(sql, endpoint.organisation_id)) {
    await sendNotificationEmail(deps, sql, {
      to: manager.email,
      kind: 'endpoint_disabled',
      name: manager.name,
      detail: `${endpoint.url} (${endpoint.id}): ${endpoint.disabled_reason}`,
    });
  }
}
