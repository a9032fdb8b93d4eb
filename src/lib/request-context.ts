import { randomUUID } from 'node:crypto';

/**
 * Every request gets our own id, `req_` + 76 random bits from randomUUID (which draws on a buffered entropy pool:
 * a fifth of the cost of a randomBytes call per request; an id is for tracing, not a secret). It names the request
 * everywhere: the X-Request-Id response header, logs, 500 messages, the audit log. A caller's own X-Request-Id is
 * never taken for it (a caller could reuse another request's id and blur the audit trail); it is kept beside it as
 * `clientRequestId` (logs, audit), printable ASCII only, at most 128 characters.
 * The ids travel explicitly (Hono's context, the GraphQL context): AsyncLocalStorage costs every promise on Node 20
 * (measured: a fifth of registration throughput).
 */
export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}

export const MAX_CLIENT_REQUEST_ID = 128;

export function clientRequestIdFrom(header: string | null | undefined): string | null {
  const printable = header
    ?.replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, MAX_CLIENT_REQUEST_ID);
  return printable ? printable : null;
}
