/**
 * The one error type services throw. Each transport maps the closed code union exhaustively
 * (src/rest/errors.ts for REST v1, src/graphql/errors.ts for GraphQL); anything else is a bug and is masked.
 */
export type AppErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'GONE'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'INVALID_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE';

/** field → messages, the Laravel-style map REST returns under "errors" and GraphQL under extensions.errors. */
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly fieldErrors: FieldErrors | undefined;
  /** Seconds, for RATE_LIMITED. */
  readonly retryAfter: number | undefined;
  /** HTTP headers a REST response should carry with this error (e.g. RateLimit-*). */
  readonly headers: Record<string, string>;
  /**
   * Set on the FORBIDDEN of a row that exists in another organisation (what it is: "Event"). REST v1 documents
   * that 403; GraphQL answers it exactly as a row that does not exist (NOT_FOUND), so ids can't be probed.
   */
  readonly foreign: string | undefined;

  constructor(
    code: AppErrorCode,
    message: string,
    options: { fieldErrors?: FieldErrors; retryAfter?: number; headers?: Record<string, string>; foreign?: string } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.fieldErrors = options.fieldErrors;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
    this.foreign = options.foreign;
  }
}

export const VALIDATION_MESSAGE = 'The given data was invalid.';

export function invalidInput(fieldErrors: FieldErrors): AppError {
  return new AppError('BAD_USER_INPUT', VALIDATION_MESSAGE, { fieldErrors });
}

export function invalidField(field: string, message: string): AppError {
  return invalidInput({ [field]: [message] });
}

export function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} not found.`);
}

/** Something that existed and is over for good (a waitlist offer past its time): REST 410 `gone`. */
export function gone(message: string): AppError {
  return new AppError('GONE', message);
}

export function forbidden(message = 'You do not have permission to perform this action.'): AppError {
  return new AppError('FORBIDDEN', message);
}

/** Another organisation's row: REST's documented 403, GraphQL's NOT_FOUND (see AppError.foreign). */
export function notYours(what: string): AppError {
  return new AppError('FORBIDDEN', `The ${what.toLowerCase()} does not belong to your organisation.`, { foreign: what });
}

/** The database is unreachable (restarting, failing over): nothing was done, retry shortly. */
export function serviceUnavailable(): AppError {
  return new AppError('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable. Nothing was changed; retry in a few seconds.', {
    retryAfter: 5,
  });
}

export function unauthenticated(message = 'Authentication required.'): AppError {
  return new AppError('UNAUTHENTICATED', message);
}

/**
 * True when `error` is PostgreSQL's unique violation of the named index (e.g. "users_email_key"), whether
 * it came through Prisma (P2002) or straight from pg (23505).
 */
export function isUniqueViolation(error: unknown, index: string): boolean {
  const e = error as { code?: string; constraint?: string; meta?: { driverAdapterError?: { cause?: { constraint?: { index?: string } } } } };
  if (e?.code === '23505') return e.constraint === index;
  return e?.code === 'P2002' && e.meta?.driverAdapterError?.cause?.constraint?.index === index;
}

/** A Relay `after` that is not a row of the list being paged. */
export function invalidCursor(): AppError {
  return invalidField('after', 'The cursor is invalid; pass endCursor from the previous page.');
}
