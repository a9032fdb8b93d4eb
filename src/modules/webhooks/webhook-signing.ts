import { createHmac, randomBytes } from 'node:crypto';

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SignedHeaders {
  'Content-Type': 'application/json';
  'User-Agent': string;
  'X-EventoGate-Signature': string;
  'X-EventoGate-Event': string;
  'X-EventoGate-Delivery': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export const USER_AGENT = 'EventoGate-Webhooks/1.0 (+https://github.com/eventogate)';

/**
 * Two signatures over the exact bytes sent (CONTRACT §6):
 * - `X-EventoGate-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, keyed with the whole `whsec_…` string,
 *   which the seed page's verifyWebhook checks;
 * - Standard Webhooks `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` with the
 *   base64-decoded part after `whsec_` as key, for replay-protected off-the-shelf verifiers.
 * `webhook-id` is the delivery id, the same on every retry; the timestamp is fresh per attempt.
 */
export function signWebhook(options: {
  secret: string;
  /** During a rotation's overlap: the old secret, which signs webhook-signature too (never X-EventoGate-Signature). */
  previousSecret?: string | null;
  body: string;
  deliveryId: string;
  trigger: string;
  timestamp?: Date;
}): SignedHeaders {
  const timestamp = Math.floor((options.timestamp ?? new Date()).getTime() / 1000).toString();
  const legacy = createHmac('sha256', options.secret).update(options.body).digest('hex');
  const standard = (secret: string) =>
    `v1,${createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(`${options.deliveryId}.${timestamp}.${options.body}`)
      .digest('base64')}`;
  // Standard Webhooks: several space-separated signatures; a verifier accepts any that matches its secret.
  const signatures = [standard(options.secret), ...(options.previousSecret ? [standard(options.previousSecret)] : [])].join(' ');
  return {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-EventoGate-Signature': `sha256=${legacy}`,
    'X-EventoGate-Event': options.trigger,
    'X-EventoGate-Delivery': options.deliveryId,
    'webhook-id': options.deliveryId,
    'webhook-timestamp': timestamp,
    'webhook-signature': signatures,
  };
}
