import type { DeliveryStatus } from '../../generated/prisma/client.ts';
import type { AttemptOutcome } from './webhook-http.ts';

/**
 * The delivery state machine, written once. Applied under the delivery's row lock to what is recorded:
 * - any 2xx, now or before, makes the delivery SUCCEEDED, for good;
 * - an automatic attempt that failed schedules the next one (WEBHOOK_RETRY_DELAYS_MS), or, when the receiver
 *   asked us to wait (429/503 with Retry-After), postpones it without spending a retry; FAILED only when no
 *   automatic attempt remains and none succeeded;
 * - a manual attempt (redelivery, replay, test ping) that failed changes nothing: the schedule goes on;
 * - a disabled endpoint's delivery that did not succeed is FAILED (it will not be sent).
 * A PENDING delivery therefore always has exactly one next automatic attempt scheduled: its next_attempt_at.
 */
export interface DeliveryFacts {
  status: DeliveryStatus;
  /** Automatic attempts started, this one included when it is automatic. */
  automaticAttempts: number;
  nextAttemptAt: Date | null;
  succeededBefore: boolean;
  endpointEnabled: boolean;
}

export interface NextDeliveryState {
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  automaticAttempts: number;
}

export function nextDeliveryState(
  facts: DeliveryFacts,
  attempt: { manual: boolean; outcome: Pick<AttemptOutcome, 'succeeded' | 'retryAfterMs'> },
  options: { retryDelaysMs: readonly number[]; now: Date },
): NextDeliveryState {
  const unchanged = { status: facts.status, nextAttemptAt: facts.nextAttemptAt, automaticAttempts: facts.automaticAttempts };
  if (attempt.outcome.succeeded || facts.succeededBefore || facts.status === 'SUCCEEDED') {
    return { status: 'SUCCEEDED', nextAttemptAt: null, automaticAttempts: facts.automaticAttempts };
  }
  if (!facts.endpointEnabled) return { status: 'FAILED', nextAttemptAt: null, automaticAttempts: facts.automaticAttempts };
  if (attempt.manual || facts.status !== 'PENDING') return unchanged;
  const later = (ms: number) => new Date(options.now.getTime() + ms);
  if (attempt.outcome.retryAfterMs != null) {
    // The receiver is busy, not broken: this attempt does not count against the schedule.
    return { status: 'PENDING', nextAttemptAt: later(attempt.outcome.retryAfterMs), automaticAttempts: facts.automaticAttempts - 1 };
  }
  const delay = options.retryDelaysMs[facts.automaticAttempts - 1];
  if (delay === undefined) return { status: 'FAILED', nextAttemptAt: null, automaticAttempts: facts.automaticAttempts };
  return { status: 'PENDING', nextAttemptAt: later(delay), automaticAttempts: facts.automaticAttempts };
}
