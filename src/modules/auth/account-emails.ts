import { z } from 'zod';
import type { Db } from '../../db/prisma.ts';
import type { Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { defineJob } from '../../jobs/job.ts';
import { decryptSecret, encryptSecret } from '../../lib/crypto.ts';
import { EMAIL_JOB_EXPIRY_SECONDS, EMAIL_WORK, escapeHtml } from '../emails/index.ts';

/**
 * Emails that carry a one-time token (verify your email, reset your password, join an organisation). They go
 * through the same path as confirmations — a pg-boss job in the writing transaction, then SMTP or the dev
 * mailbox — with the token encrypted (SECRET_KEY) in the job: the database never holds it readable.
 */
const Kind = z.enum(['verify_email', 'reset_password', 'invitation', 'endpoint_disabled']);

export const accountEmailJob = defineJob({
  name: 'emails.account',
  payload: z.object({
    to: z.string(),
    kind: Kind,
    tokenCiphertext: z.string().nullish(),
    name: z.string().nullish(),
    organisationName: z.string().nullish(),
    role: z.string().nullish(),
    detail: z.string().nullish(),
  }),
  queue: { retryLimit: 12, retryDelay: 5, retryBackoff: true, retryDelayMax: 900, expireInSeconds: EMAIL_JOB_EXPIRY_SECONDS, heartbeatSeconds: 30 },
  work: EMAIL_WORK,
  handler: async (deps, payload, job) => {
    const token = payload.tokenCiphertext ? decryptSecret(payload.tokenCiphertext, deps.secretKey) : '';
    const content = accountEmail(deps, { ...payload, token });
    await deps.mailer.send({ ...content, to: payload.to, from: deps.config.mailFrom }, { signal: job.signal, kind: 'account' });
  },
});

export interface AccountEmail {
  to: string;
  kind: z.infer<typeof Kind>;
  token: string;
  name?: string | null;
  organisationName?: string | null;
  role?: string | null;
  detail?: string | null;
}

/** Queues the email in `db`'s transaction: it goes out if and only if the token it carries was committed. */
export async function sendAccountEmail(deps: Deps, db: Db | Sql, email: AccountEmail): Promise<void> {
  const { token, ...rest } = email;
  await deps.jobs.send(db, accountEmailJob, { ...rest, tokenCiphertext: encryptSecret(token, deps.secretKey) });
}

/** The same path for notices that carry no token (an endpoint disabled). */
export async function sendNotificationEmail(deps: Deps, db: Db | Sql, email: Omit<AccountEmail, 'token'>): Promise<void> {
  await deps.jobs.send(db, accountEmailJob, email);
}

function accountEmail(deps: Pick<Deps, 'config'>, email: AccountEmail): { subject: string; text: string; html: string } {
  // Each token travels once, inside the dashboard link that uses it (CONTRACT §13); the page strips it from the
  // address bar as soon as it has read it. Scripts may take it from the link's `token` parameter.
  const dashboard = `${deps.config.publicUrl}/dashboard`;
  const link = (path: string) => `${dashboard}${path}?token=${encodeURIComponent(email.token)}`;
  const hello = email.name ? `Hi ${email.name},` : 'Hello,';
  const { subject, lines } = ((): { subject: string; lines: string[] } => {
    switch (email.kind) {
      case 'verify_email':
        return {
          subject: 'Confirm your email address for EventoGate',
          lines: ['Please confirm that this mailbox is yours by opening this link:', '', link('/verify-email'), '', 'The link works once.'],
        };
      case 'reset_password':
        return {
          subject: 'Reset your EventoGate password',
          lines: [
            'Someone (hopefully you) asked to reset the password of your EventoGate account. Choose a new one here (valid for 1 hour, once):',
            '',
            link('/reset-password'),
            '',
            'If you did not ask for this, ignore this email: nothing changes.',
          ],
        };
      case 'endpoint_disabled':
        return {
          subject: 'A webhook endpoint of your organisation was disabled',
          lines: [
            'EventoGate stopped sending webhooks to this endpoint:',
            '',
            String(email.detail),
            '',
            'Its pending deliveries were marked failed. Fix the receiver, enable the endpoint again (updateWebhookEndpoint with enabled: true) and replay what it missed (replayWebhookDeliveries).',
          ],
        };
      case 'invitation':
        return {
          subject: `You're invited to ${email.organisationName} on EventoGate`,
          lines: [
            `You are invited to join ${email.organisationName} on EventoGate as ${String(email.role).toLowerCase()}. Accept the invitation here (valid for 7 days, once):`,
            '',
            link('/invitations/accept'),
          ],
        };
    }
  })();
  const text = [hello, '', ...lines, ''].join('\n');
  const html = `<!doctype html><html lang="en"><body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif;">${[hello, ...lines]
    .map((line) => (line.startsWith(dashboard) ? `<p><a href="${escapeHtml(line)}">${escapeHtml(line)}</a></p>` : line ? `<p>${escapeHtml(line)}</p>` : ''))
    .join('')}</body></html>\n`;
  return { subject, text, html };
}
