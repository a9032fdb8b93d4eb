import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { BlockedTargetError, blockedAddressReason, guardedLookup } from './webhook-targets.ts';

export type AttemptErrorClass = 'timeout' | 'connection' | 'http_status' | 'redirect' | 'blocked_target';

export interface AttemptOutcome {
  succeeded: boolean;
  statusCode: number | null;
  /** The first 2 KB of the receiver's answer. */
  responseBody: string | null;
  durationMs: number;
  error: string | null;
  errorClass: AttemptErrorClass | null;
}

const RESPONSE_EXCERPT_BYTES = 2048;

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
        agent: false,
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
            finish({ ...failure(elapsed(), 'http_status', `receiver answered ${status}`), statusCode: status, responseBody: excerpt });
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
