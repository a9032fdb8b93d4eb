import { type Logger, pino } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Anything shaped like an email address. */
const EMAIL_ADDRESS = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/**
 * Email addresses in a log line (an SMTP server's refusal quoting the recipient, say) replaced by `[email]`: logs
 * are kept and shipped where erasure cannot reach, so they must never hold personal data in the first place.
 */
export function withoutEmailAddresses(line: string): string {
  return line.includes('@') ? line.replace(EMAIL_ADDRESS, '[email]') : line;
}

/**
 * JSON lines on stdout. Secrets never reach a log line: authorization headers and passwords are redacted; nor
 * do email addresses (see withoutEmailAddresses). Log calls never pass attendees' data.
 */
export function createLogger(level: LogLevel, destination?: { write(line: string): void }): Logger {
  const options = {
    level,
    base: undefined,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.password', '*.secret', '*.token'],
      censor: '[redacted]',
    },
    hooks: { streamWrite: withoutEmailAddresses },
  };
  // A destination other than stdout: tests read the lines a server writes.
  return destination ? pino(options, destination) : pino(options);
}
