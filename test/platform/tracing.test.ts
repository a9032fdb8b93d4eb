import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphqlOk } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A local OTLP/HTTP receiver (JSON): every span exported to it. */
let otlp: Server;
const spans: OtlpSpan[] = [];
let app: TestApp;
let receiver: WebhookReceiver;

beforeAll(async () => {
  otlp = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const resource of parsed.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => otlp.listen(0, '127.0.0.1', () => resolve()));
  receiver = await new WebhookReceiver().start();
  app = await startTestApp({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(otlp.address() as AddressInfo).port}`,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  });
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
  otlp?.close();
});

const attribute = (span: OtlpSpan, key: string) => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

describe('OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('a registration continues the caller’s trace: HTTP span by route, SQL spans under it, the webhook attempt carries a traceparent', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/traced`, { triggers: ['ATTENDEE_REGISTERED'] });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), {
      key: seed.liveKey,
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(201);

    await expect.poll(() => spans.some((s) => s.traceId === traceId && s.name === 'POST /v1/events/:event_id/registrations'), { timeout: 10_000 }).toBe(true);
    const server = spans.find((s) => s.traceId === traceId && s.name === 'POST /v1/events/:event_id/registrations')!;
    expect(server.parentSpanId).toBe('00f067aa0ba902b7');
    expect(attribute(server, 'http.route')).toBe('/v1/events/:event_id/registrations');
    expect(Number(attribute(server, 'http.response.status_code'))).toBe(201);
    // The statements of the request, in its trace (values never recorded).
    await expect.poll(() => spans.filter((s) => s.traceId === traceId && s.name === 'pg.query').length, { timeout: 10_000 }).toBeGreaterThan(0);
    const sql = spans.filter((s) => s.traceId === traceId && s.name === 'pg.query');
    expect(sql.some((s) => /INSERT INTO attendees/i.test(String(attribute(s, 'db.query.text'))))).toBe(true);
    expect(JSON.stringify(sql)).not.toContain('@example.com');

    // The webhook attempt: its own span, and the receiver gets a W3C traceparent.
    await receiver.waitFor(() => receiver.on('/traced').length >= 1, 10_000);
    const [webhook] = receiver.on('/traced');
    expect(webhook!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const attemptTrace = String(webhook!.headers.traceparent).split('-')[1];
    await expect.poll(() => spans.some((s) => s.traceId === attemptTrace && s.name === 'webhook.attempt'), { timeout: 10_000 }).toBe(true);
  });

  it('a GraphQL request has an HTTP span, a span named by its operation, and SQL spans', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    spans.length = 0;
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.owner.token}`, traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      body: JSON.stringify({ query: 'query EventNames { events(first: 5) { edges { node { name } } } }', operationName: 'EventNames' }),
    });
    expect(res.status).toBe(200);
    await expect
      .poll(() => spans.filter((s) => s.traceId === traceId).map((s) => s.name), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['POST /graphql', 'graphql EventNames', 'pg.query']));
    const operation = spans.find((s) => s.traceId === traceId && s.name === 'graphql EventNames')!;
    const http = spans.find((s) => s.traceId === traceId && s.name === 'POST /graphql')!;
    expect(operation.parentSpanId).toBe(http.spanId);
    // Prisma's statements run inside the operation's span.
    expect(spans.some((s) => s.traceId === traceId && s.name === 'pg.query' && s.parentSpanId === operation.spanId)).toBe(true);
    await graphqlOk(app.url, '{ viewer { role } }', { token: seed.owner.token });
  });
});
