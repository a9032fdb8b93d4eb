import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { inSpan, traceHeaders } from '../../lib/tracing.ts';
import { BlockedTargetError, blockedAddressReason, guardedLookup } from './webhook-targets.ts';

export type AttemptErrorClass = 'timeout' | 'connection' | 'http_status' | 'redirect' | 'blocked_target';

export interface AttemptOutcome {
  succeeded: boolean;
  /** A 429 or 503 with Retry-After (seconds or an HTTP date): how long the receiver asked us to wait, ≤ 1 h. */
  retryAfterMs?: number | null;
  /** 410 Gone: the receiver says the endpoint is gone for good. */
  gone?: boolean;
  statusCode: number | null;
  /** The first 2 KB of the receiver's answer. */
  responseBody: string | null;
  durationMs: number;
  error: string | null;
  errorClass: AttemptErrorClass | null;
}

const RESPONSE_EXCERPT_BYTES = 2048;
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * Keep-alive connection pools shared by every attempt of this process (node:http's Agent pools per host and
 * port): a busy endpoint costs one TLS handshake, not one per webhook. The address check still runs on every
 * new connection (the `lookup` of each request), and a pooled socket only ever serves the host it was opened for.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 30_000 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 30_000 }),
} as const;

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date, capped at an hour; null if absent or bad. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return null;
  const ms = /^\s*\d+\s*$/.test(header) ? Number(header) * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/**
 * One POST: any 2xx succeeds; a redirect is a failure and is never followed; timeouts and connection
 * errors fail; a target that resolves to a private address is refused before any byte is sent.
 */
export async function postWebhook(options: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateTargets: boolean;
}): Promise<AttemptOutcome> {
  // A span per attempt; the receiver gets its traceparent (W3C Trace Context) to continue the trace.
  return await inSpan('webhook.attempt', { kind: SpanKind.CLIENT, attributes: { 'url.full': options.url } }, async (span) => {
    const outcome = await send({ ...options, headers: { ...options.headers, ...traceHeaders() } });
    span?.setAttribute('webhook.outcome', outcome.errorClass ?? 'success');
    if (outcome.statusCode !== null) span?.setAttribute('http.response.status_code', outcome.statusCode);
    return outcome;
  });
}

async function send(options: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateTargets: boolean;
}): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(options.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node connects to IP literals without calling `lookup`, so those are checked here.
  const literalReason = isIP(host) && !options.allowPrivateTargets ? blockedAddressReason(host) : null;
  if (literalReason) return failure(elapsed(), 'blocked_target', `refused to connect: ${literalReason}`);

  return await new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'Content-Length': Buffer.byteLength(options.body).toString() },
        lookup: guardedLookup(options.allowPrivateTargets) as never,
        agent: agents[url.protocol === 'https:' ? 'https:' : 'http:'],
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const excerpt = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
          if (status >= 200 && status < 300) {
            finish({ succeeded: true, statusCode: status, responseBody: excerpt, durationMs: elapsed(), error: null, errorClass: null });
          } else if (status >= 300 && status < 400) {
            const location = response.headers.location ? ` to ${response.headers.location}` : '';
            finish({ ...failure(elapsed(), 'redirect', `redirect (${status})${location} not followed`), statusCode: status, responseBody: excerpt });
          } else {
            finish({
              ...failure(elapsed(), 'http_status', `receiver answered ${status}`),
              statusCode: status,
              responseBody: excerpt,
              retryAfterMs: status === 429 || status === 503 ? retryAfterMs(response.headers['retry-after']) : null,
              gone: status === 410,
            });
          }
        });
        response.on('error', (error) => finish(failure(elapsed(), 'connection', error.message)));
      },
    );
    const timer = setTimeout(() => {
      finish(failure(elapsed(), 'timeout', `no complete answer within ${options.timeoutMs} ms`));
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => {
      const blocked = error instanceof BlockedTargetError || (error as { cause?: unknown }).cause instanceof BlockedTargetError;
      finish(failure(elapsed(), blocked ? 'blocked_target' : 'connection', error.message));
    });
    request.end(options.body);
  });
}

function failure(durationMs: number, errorClass: AttemptErrorClass, error: string): AttemptOutcome {
  return { succeeded: false, statusCode: null, responseBody: null, durationMs, error, errorClass };
}
