import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateEvent } from '../../src/modules/events/events.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphqlOk, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

let app: TestApp;
const lines: string[] = [];
beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'info', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }, { logLines: lines });
});
afterAll(async () => {
  await app?.stop();
});

const requestLines = () => lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');

describe('access log', () => {
  it('one line per request: route template, status, duration, request id, who — never bodies, emails or secrets', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const email = 'access.log.person@example.com';
    lines.length = 0;
    const created = await postRegistration(app.url, seed.event.id, registrationBody({ email }), {
      key: seed.liveKey,
      headers: { 'x-request-id': 'req-log-1' },
    });
    expect(created.status).toBe(201);
    await postRegistration(app.url, seed.event.id, { email: 'not valid' }, { key: seed.liveKey });
    await graphqlOk(app.url, '{ viewer { role } }', { token: seed.owner.token });
    await http(`${app.url}/nope?secret=1`);

    const logged = requestLines();
    expect(logged).toHaveLength(4);
    expect(logged[0]).toEqual({
      level: 30,
      time: expect.any(Number),
      msg: 'request',
      method: 'POST',
      route: '/v1/events/:event_id/registrations',
      status: 201,
      durationMs: expect.any(Number),
      requestId: created.headers.get('x-request-id'),
      clientRequestId: 'req-log-1',
      organisationId: seed.owner.organisationId,
      apiKeyId: seed.liveKeyId,
    });
    expect(logged[1]).toMatchObject({ route: '/v1/events/:event_id/registrations', status: 422 });
    expect(logged[2]).toMatchObject({ method: 'POST', route: '/graphql', status: 200, organisationId: seed.owner.organisationId, userId: seed.owner.userId });
    expect(logged[3]).toMatchObject({ method: 'GET', route: 'unmatched', status: 404 });
    const text = lines.join('\n');
    for (const secret of [email, seed.liveKey, seed.owner.token, 'secret=1', 'not valid']) expect(text).not.toContain(secret);
  });
});

describe('a client that leaves mid-body', () => {
  it('is an ordinary 400 in the access log, not an unhandled error', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const rateLimitCalls = async () =>
      Number(/^eventogate_batch_size_sum\{batch="rate_limits"\} (\d+)$/m.exec(await (await fetch(`${app.url}/metrics`)).text())?.[1] ?? 0);
    const before = await rateLimitCalls();
    lines.length = 0;
    const socket = connect(Number(new URL(app.url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /v1/events/${seed.event.id}/registrations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${seed.liveKey}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"first_name": "Sa',
    );
    // Once the key's budget is taken the handler reads the body, of which part came; then the client is gone.
    await expect.poll(rateLimitCalls).toBe(before + 1);
    socket.destroy();
    const registrations = () => requestLines().filter((l) => l.route === '/v1/events/:event_id/registrations');
    await expect.poll(registrations).toHaveLength(1);
    expect(registrations()[0]).toMatchObject({ method: 'POST', status: 400 });
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe('/metrics', () => {
  it('counts requests by route and status, registrations by source, check-ins, emails, webhook attempts; backlog and queues', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const metric = async (pattern: RegExp) => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return Number(pattern.exec(text)?.[1] ?? 0);
    };
    const requests = /^eventogate_http_requests_total\{method="POST",route="\/v1\/events\/:event_id\/registrations",status="201"\} (\d+)$/m;
    const apiRegistrations = /^eventogate_registrations_total\{source="api",mode="live"\} (\d+)$/m;
    const testRegistrations = /^eventogate_registrations_total\{source="api",mode="test"\} (\d+)$/m;
    const firstCheckIns = /^eventogate_check_ins_total\{outcome="first"\} (\d+)$/m;
    const repeatCheckIns = /^eventogate_check_ins_total\{outcome="repeat"\} (\d+)$/m;
    const before = await Promise.all([requests, apiRegistrations, testRegistrations, firstCheckIns, repeatCheckIns].map(metric));

    const a = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.testKey });
    for (let i = 0; i < 2; i++) {
      await http(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
        body: JSON.stringify({ qr_token: a.body.qr_token }),
      });
    }
    const after = await Promise.all([requests, apiRegistrations, testRegistrations, firstCheckIns, repeatCheckIns].map(metric));
    expect(after.map((n, i) => n - before[i]!)).toEqual([3, 2, 1, 1, 1]);

    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/^eventogate_http_request_duration_seconds_bucket\{le="0\.1",method="POST",route="\/v1\/events\/:event_id\/registrations"\} \d+$/m);
    expect(text).toMatch(/^eventogate_webhook_backlog \d+$/m);
    expect(text).toMatch(/^# TYPE eventogate_job_queue_jobs gauge$/m);
    expect(text).toMatch(/^# TYPE eventogate_emails_total counter$/m);
    expect(text).toMatch(/^# TYPE eventogate_webhook_attempts_total counter$/m);
    // Bounded labels: route templates only, never an id.
    expect(text).not.toContain(seed.event.id);
  });

  it('reports group commit per batcher: each call’s wait for its batch, the batches’ sizes and runs', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const read = async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      const value = (name: string, batch: string) => Number(new RegExp(`^${name}\\{batch="${batch}"\\} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
      return Object.fromEntries(
        ['registrations', 'rate_limits', 'door'].map((batch) => [
          batch,
          {
            waits: value('eventogate_batch_wait_seconds_count', batch),
            calls: value('eventogate_batch_size_sum', batch),
            batches: value('eventogate_batch_size_count', batch),
            runs: value('eventogate_batch_duration_seconds_count', batch),
          },
        ]),
      );
    };
    const before = await read();
    // 20 at once: they share batches (how many is the batcher's business), and each is counted once.
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postRegistration(app.url, seed.event.id, registrationBody({ email: `batched.${i}@example.com` }), { key: seed.liveKey }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(20).fill(201));
    await http(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
      body: JSON.stringify({ qr_token: created[0]!.body.qr_token }),
    });
    const after = await read();
    const delta = (batch: string) => {
      const [a, b] = [after[batch]!, before[batch]!];
      return { waits: a.waits - b.waits, calls: a.calls - b.calls, batches: a.batches - b.batches, runs: a.runs - b.runs };
    };
    const registrations = delta('registrations');
    expect([registrations.waits, registrations.calls]).toEqual([20, 20]);
    expect(registrations.batches).toBeGreaterThanOrEqual(1);
    expect(registrations.batches).toBeLessThanOrEqual(20);
    expect(registrations.runs).toBe(registrations.batches);
    // Each API request takes a point from its key's budget (the 20 registrations and the check-in).
    expect(delta('rate_limits').calls).toBe(21);
    expect(delta('door')).toMatchObject({ waits: 1, calls: 1, batches: 1, runs: 1 });
  });

  it('counts confirmation emails sent, webhook attempts by outcome, and the lag to a delivery’s first attempt', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      const seed = await createSeedShapedEvent(app.deps);
      await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, apiConfirmationEmails: true } });
      await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/metrics-ok`);
      const metric = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(`${app.url}/metrics`)).text())?.[1] ?? 0);
      const sent = /^eventogate_emails_total\{outcome="sent"\} (\d+)$/m;
      const succeeded = /^eventogate_webhook_attempts_total\{outcome="success"\} (\d+)$/m;
      const lagged = /^eventogate_webhook_delivery_lag_seconds_count (\d+)$/m;
      const within10s = /^eventogate_webhook_delivery_lag_seconds_bucket\{le="10"\} (\d+)$/m;
      const before = await Promise.all([sent, succeeded, lagged, within10s].map(metric));
      await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      await expect
        .poll(async () => (await Promise.all([sent, succeeded, lagged, within10s].map(metric))).map((n, i) => n - before[i]!), { timeout: 15_000 })
        .toEqual([1, 1, 1, 1]);
    } finally {
      await receiver.stop();
    }
  });
});
