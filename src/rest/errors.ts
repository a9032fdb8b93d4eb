import { isDatabaseBusyOrUnavailable } from '../db/availability.ts';
import { AppError, type AppErrorCode, serviceUnavailable, VALIDATION_MESSAGE } from '../lib/errors.ts';

/** The documented REST v1 error bodies (seed page "Error Codes"; CONTRACT §4). */
export type RestErrorBody = { error: string; message: string } | { message: typeof VALIDATION_MESSAGE; errors: Record<string, string[]> };

export interface RestError {
  status: number;
  body: RestErrorBody;
  headers: Record<string, string>;
}

const STATUS: Record<AppErrorCode, { status: number; error: string }> = {
  UNAUTHENTICATED: { status: 401, error: 'unauthenticated' },
  FORBIDDEN: { status: 403, error: 'forbidden' },
  NOT_FOUND: { status: 404, error: 'not_found' },
  GONE: { status: 410, error: 'gone' },
  BAD_USER_INPUT: { status: 422, error: 'validation_failed' },
  RATE_LIMITED: { status: 429, error: 'rate_limited' },
  INVALID_JSON: { status: 400, error: 'invalid_json' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, error: 'unsupported_media_type' },
  PAYLOAD_TOO_LARGE: { status: 413, error: 'payload_too_large' },
  SERVICE_UNAVAILABLE: { status: 503, error: 'service_unavailable' },
};

/**
 * Maps any error to its REST response. AppErrors get their documented shape (422 is Laravel's
 * `{"message","errors"}`); an unreachable database is a 503 with Retry-After; anything else is a 500 that names
 * only the request id, never the cause.
 */
export function toRestError(thrown: unknown, requestId: string): RestError {
  const error = !(thrown instanceof AppError) && isDatabaseBusyOrUnavailable(thrown) ? serviceUnavailable() : thrown;
  if (!(error instanceof AppError)) {
    return {
      status: 500,
      body: { error: 'server_error', message: `Unexpected error on our end. If it persists, contact support with request id ${requestId}.` },
      headers: {},
    };
  }
  const { status, error: code } = STATUS[error.code];
  const headers: Record<string, string> = {
    ...error.headers,
    ...(error.retryAfter !== undefined ? { 'Retry-After': String(error.retryAfter) } : {}),
  };
  if (error.code === 'BAD_USER_INPUT') {
    return { status, body: { message: VALIDATION_MESSAGE, errors: error.fieldErrors ?? {} }, headers };
  }
  return { status, body: { error: code, message: error.message }, headers };
}
