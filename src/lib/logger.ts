import { type Logger, pino } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** JSON lines on stdout. Secrets never reach a log line: authorization headers and passwords are redacted. */
export function createLogger(level: LogLevel, destination?: { write(line: string): void }): Logger {
  const options = {
    level,
    base: undefined,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.password', '*.secret', '*.token'],
      censor: '[redacted]',
    },
  };
  // A destination other than stdout: tests read the lines a server writes.
  return destination ? pino(options, destination) : pino(options);
}
