import { type Context, context, propagation, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import pg from 'pg';

/**
 * OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_ENDPOINT is set (OTLP/HTTP, JSON): a span per HTTP request
 * (continuing an incoming W3C traceparent), per GraphQL operation, per SQL statement (ours and Prisma's: both go
 * through pg), per job and per webhook attempt, whose traceparent the receiver gets. Off, nothing is patched and
 * the helpers below cost a null check.
 *
 * Spans are set up by hand rather than by auto-instrumentation: this app is ESM run through tsx, where the
 * require-hook instrumentations do not see modules loaded by `import`.
 */
let provider: TracerProvider | null = null;

export function tracingEnabled(): boolean {
  return provider !== null;
}

export function tracer(): Tracer {
  return trace.getTracer('eventogate');
}

/** Starts tracing for this process (once); returns how to flush and stop it, or null when it stays off. */
export function startTracing(options: { endpoint: string | undefined; serviceName: string }): { shutdown(): Promise<void> } | null {
  if (!options.endpoint || provider) return null;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const started = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` }), scheduledDelayMillis: 500 }),
    ],
  });
  trace.setGlobalTracerProvider(started);
  provider = started;
  instrumentPg();
  return {
    shutdown: async () => {
      await started.shutdown();
    },
  };
}

/** Runs `work` in a new active span (a child of the active one, or of `parent`), ending it with the outcome. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  work: (span: Span | null) => Promise<T>,
): Promise<T> {
  if (!provider) return await work(null);
  const parent = options.parent ?? context.active();
  return await tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The trace context a request arrived with (its `traceparent`), as the parent of the request's span. */
export function extractContext(headers: Headers): Context {
  return propagation.extract(context.active(), headers, {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: (carrier) => [...carrier.keys()],
  });
}

/** `traceparent` (and `tracestate`) of the active span, for an outgoing request. */
export function traceHeaders(): Record<string, string> {
  if (!provider) return {};
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** A span per statement on every pg client (ours and Prisma's adapter), inside a trace only; never the values. */
function instrumentPg(): void {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    if (!trace.getActiveSpan()) return original.apply(this, args);
    const config = args[0] as string | { text?: string; name?: string } | undefined;
    const text = typeof config === 'string' ? config : (config?.text ?? '');
    const span = tracer().startSpan('pg.query', {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': text.slice(0, 2_000) },
    });
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        () => span.end(),
        (error: Error) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          span.end();
        },
      );
    } else span.end();
    return result;
  };
}
