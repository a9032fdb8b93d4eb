import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolSql } from '../../src/db/sql.ts';
import { CLEANUP_JOB as cleanupJob } from '../../src/features.ts';
import { newId } from '../../src/lib/ids.ts';
import { recordEndpointOutcomes } from '../../src/modules/webhooks/webhooks.sql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphqlOk } from '../support/http.ts';
import { untilWebhooksSettled } from '../support/jobs.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { verifyWebhook } from '../support/seed-verify.mjs';
import { SmtpSink } from '../support/smtp-sink.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * The delivery engine as users of Svix or Stripe expect it. `real` runs the documented defaults (10 s timeout);
 * `fast` runs the schedule in milliseconds.
 */
let real: TestApp;
let fast: TestApp;
let receiver: WebhookReceiver;
let smtp: SmtpSink;
beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  smtp = await new SmtpSink().start();
  real = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', API_RATE_LIMIT_PER_MIN: '100000' });
  fast = await startTestApp({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_RETRY_DELAYS_MS: '200,400,600',
    WEBHOOK_DISABLE_AFTER_MS: '1500',
    SMTP_URL: smtp.url,
    API_RATE_LIMIT_PER_MIN: '100000',
  });
}, 60_000);
afterAll(async () => {
  await fast?.stop();
  await real?.stop();
  await receiver?.stop();
  await smtp?.stop();
}, 60_000);

const register = (app: TestApp, seed: Awaited<ReturnType<typeof createSeedShapedEvent>>) =>
  postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey }).then((r) => {
    expect(r.status).toBe(201);
    return { id: r.body.id as string, at: Date.now() };
  });

describe('isolation per endpoint', () => {
  it('one organisation’s hanging endpoint does not delay another’s: B’s 20 webhooks each arrive within 1 s', async () => {
    const a = await createSeedShapedEvent(real.deps);
    const b = await createSeedShapedEvent(real.deps);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/hangs' ? { status: 200, hang: true } : previous(req));
    try {
      await createEndpoint(real.deps, a.owner.actor, `${receiver.url}/hangs`, { triggers: ['ATTENDEE_REGISTERED'] });
      await createEndpoint(real.deps, b.owner.actor, `${receiver.url}/fast-neighbour`, { triggers: ['ATTENDEE_REGISTERED'] });
      for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, () => register(real, a)));
      await receiver.waitFor(() => (receiver.active.get('/hangs') ?? 0) === 4);
      const bs = [];
      for (let i = 0; i < 20; i++) bs.push(await register(real, b));
      await receiver.waitFor(() => receiver.on('/fast-neighbour').length === 20, 10_000);
      const lags = bs.map((r) => receiver.on('/fast-neighbour').find((w) => w.json.attendee_id === r.id)!.at - r.at);
      console.info(`B’s webhooks while A’s endpoint hangs: max ${Math.max(...lags)} ms after the 201`);
      for (const lag of lags) expect(lag).toBeLessThan(1_000);
      // A's endpoint never had more than its 4 attempts open.
      expect(receiver.peak.get('/hangs')).toBe(4);
    } finally {
      receiver.respond = previous;
    }
  }, 60_000);

  it('three endpoints, concurrency 4 each: never more than 4 requests in flight at any one of them', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path.startsWith('/busy-') ? { status: 200, delayMs: 80 } : previous(req));
    try {
      for (const n of [1, 2, 3]) await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/busy-${n}`, { triggers: ['ATTENDEE_REGISTERED'] });
      await Promise.all(Array.from({ length: 40 }, () => register(fast, seed)));
      await receiver.waitFor(() => [1, 2, 3].every((n) => receiver.on(`/busy-${n}`).length === 40), 20_000);
      for (const n of [1, 2, 3]) expect(receiver.peak.get(`/busy-${n}`)).toBe(4);
    } finally {
      receiver.respond = previous;
    }
  }, 60_000);
});

describe('operations', () => {
  it('replayWebhookDeliveries resends the window’s deliveries (FAILED by default, or the statuses asked), same ids', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const { endpoint } = await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/replay`, { triggers: ['ATTENDEE_REGISTERED'] });
    await Promise.all(Array.from({ length: 4 }, () => register(fast, seed)));
    await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
    const deliveries = await fast.deps.prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { id: 'asc' } });
    // Put them in time and state: two old failures, one recent failure, one recent success.
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000);
    const setups = [
      { createdAt: at(10), status: 'FAILED' as const },
      { createdAt: at(3), status: 'FAILED' as const },
      { createdAt: at(2), status: 'FAILED' as const },
      { createdAt: at(2), status: 'SUCCEEDED' as const },
    ];
    for (const [i, d] of deliveries.entries()) await fast.deps.prisma.webhookDelivery.update({ where: { id: d.id }, data: setups[i]! });
    const before = receiver.on('/replay').length;
    const replay = (variables: Record<string, unknown>) =>
      graphqlOk(fast.url, 'mutation ($input: ReplayWebhookDeliveriesInput!) { replayWebhookDeliveries(input: $input) { queued } }', {
        token: seed.owner.token,
        variables: { input: { endpointId: endpoint.id, ...variables } },
      });
    const failed = await replay({ since: at(5).toISOString(), until: at(1).toISOString() });
    expect(failed.replayWebhookDeliveries.queued).toBe(2);
    await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
    const resent = receiver.on('/replay').slice(before);
    expect(resent.map((w) => w.headers['webhook-id']).sort()).toEqual([deliveries[1]!.id, deliveries[2]!.id].sort());
    const manual = await fast.deps.prisma.webhookAttempt.findMany({ where: { deliveryId: { in: [deliveries[1]!.id, deliveries[2]!.id] }, manual: true } });
    expect(manual).toHaveLength(2);
    // The replays succeeded: those deliveries are SUCCEEDED now.
    expect((await fast.deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveries[1]!.id } })).status).toBe('SUCCEEDED');

    const succeeded = await replay({ since: at(30).toISOString(), statuses: ['SUCCEEDED'] });
    expect(succeeded.replayWebhookDeliveries.queued).toBe(3);
    await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
    expect(receiver.on('/replay').length - before).toBe(5);
  }, 30_000);

  it('an endpoint failing for WEBHOOK_DISABLE_AFTER_MS is disabled: reason, pending FAILED, owners emailed, nothing more sent', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/always-down' ? { status: 500 } : previous(req));
    try {
      const { endpoint } = await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/always-down`, { triggers: ['ATTENDEE_REGISTERED'] });
      // Traffic goes on while the receiver stays down; past 1.5 s of failures without a success it is disabled.
      const disabledNow = async () => !(await fast.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).enabled;
      for (let i = 0; i < 40 && !(await disabledNow()); i++) {
        await register(fast, seed);
        // The time is what is tested here: failures must go on for WEBHOOK_DISABLE_AFTER_MS (1.5 s) of wall time.
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(await disabledNow()).toBe(true);
      const disabled = await fast.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      expect(disabled.disabledReason).toBe('No successful delivery for 1500 ms while failing.');
      expect(disabled.disabledAt).toBeInstanceOf(Date);
      await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
      expect(await fast.deps.prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'PENDING' } })).toBe(0);
      await expect
        .poll(() => smtp.to(seed.owner.email).filter((m) => m.subject === 'A webhook endpoint of your organisation was disabled').length, { timeout: 5_000 })
        .toBe(1);
      const mail = smtp.to(seed.owner.email).find((m) => m.subject === 'A webhook endpoint of your organisation was disabled');
      expect(mail!.text).toContain(`${receiver.url}/always-down`);
      const sent = receiver.on('/always-down').length;
      await register(fast, seed);
      await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
      expect(receiver.on('/always-down')).toHaveLength(sent);
      // Enabled again by hand: the streak is forgotten.
      await graphqlOk(fast.url, 'mutation ($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: true }) { enabled disabledReason } }', {
        token: seed.owner.token,
        variables: { id: endpoint.id },
      });
      expect(await fast.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toMatchObject({
        enabled: true,
        disabledReason: null,
        failingSince: null,
      });
    } finally {
      receiver.respond = previous;
    }
  }, 30_000);

  it('410 Gone disables the endpoint at once', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/gone' ? { status: 410 } : previous(req));
    try {
      const { endpoint } = await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/gone`, { triggers: ['ATTENDEE_REGISTERED'] });
      await register(fast, seed);
      await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
      expect(await fast.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toMatchObject({
        enabled: false,
        disabledReason: 'The receiver answered 410 Gone.',
      });
      expect(receiver.on('/gone')).toHaveLength(1);
      expect(await fast.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } })).toMatchObject({ status: 'FAILED' });
    } finally {
      receiver.respond = previous;
    }
  });

  it('429 with Retry-After: 2 postpones the next attempt by 2 s without spending a retry', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const previous = receiver.respond;
    receiver.respond = (req) =>
      req.path === '/busy-429' ? (req.count === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }) : previous(req);
    try {
      const { endpoint } = await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/busy-429`, { triggers: ['ATTENDEE_REGISTERED'] });
      await register(fast, seed);
      const hits = await receiver.waitFor(() => receiver.on('/busy-429').length === 2, 10_000).then(() => receiver.on('/busy-429'));
      expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(2_000);
      await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
      const delivery = await fast.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
      // Two POSTs, but only one of the four automatic attempts spent: the 429 did not count.
      expect(delivery).toMatchObject({ status: 'SUCCEEDED', attemptCount: 2, automaticAttempts: 1 });
    } finally {
      receiver.respond = previous;
    }
  });

  it('rotateWebhookSecret with overlap: webhook-signature verifies with either secret; X-EventoGate-Signature with the new one', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const { endpoint, secret: oldSecret } = await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/overlap`, { triggers: ['ATTENDEE_REGISTERED'] });
    const { rotateWebhookSecret } = await graphqlOk(
      fast.url,
      'mutation ($id: ID!) { rotateWebhookSecret(input: { id: $id }) { secret endpoint { secretOverlapEndsAt } } }',
      { token: seed.owner.token, variables: { id: endpoint.id } },
    );
    expect(new Date(rotateWebhookSecret.endpoint.secretOverlapEndsAt).getTime() - Date.now()).toBeGreaterThan(86_390_000);
    await register(fast, seed);
    const [hook] = await receiver.waitFor(() => receiver.on('/overlap').length === 1).then(() => receiver.on('/overlap'));
    const headers = hook!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [rotateWebhookSecret.secret as string, oldSecret]) expect(new Webhook(secret).verify(hook!.body, headers)).toBeTruthy();
    expect(verifyWebhook(hook!.body, headers['x-eventogate-signature']!, rotateWebhookSecret.secret)).toBe(true);
    expect(verifyWebhook(hook!.body, headers['x-eventogate-signature']!, oldSecret)).toBe(false);
  });

  it('the hourly cleanup prunes deliveries and attempts past WEBHOOK_LOG_RETENTION_DAYS, and only those', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const { endpoint } = await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/retention`, { triggers: ['ATTENDEE_REGISTERED'] });
    await Promise.all(Array.from({ length: 3 }, () => register(fast, seed)));
    await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
    const [old, recent, pending] = await fast.deps.prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { id: 'asc' } });
    const longAgo = new Date(Date.now() - 31 * 86_400_000);
    await fast.deps.prisma.webhookDelivery.update({ where: { id: old!.id }, data: { createdAt: longAgo } });
    await fast.deps.prisma.webhookAttempt.updateMany({ where: { deliveryId: old!.id }, data: { createdAt: longAgo } });
    await fast.deps.prisma.webhookDelivery.update({
      where: { id: pending!.id },
      data: { createdAt: longAgo, status: 'PENDING', nextAttemptAt: new Date(Date.now() + 3_600_000) },
    });
    await cleanupJob.handler(fast.deps, {}, { id: 'manual', retryCount: 0, signal: new AbortController().signal });
    const left = await fast.deps.prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, select: { id: true } });
    expect(left.map((d) => d.id).sort()).toEqual([recent!.id, pending!.id].sort());
    expect(await fast.deps.prisma.webhookAttempt.count({ where: { deliveryId: old!.id } })).toBe(0);
    expect(await fast.deps.prisma.webhookAttempt.count({ where: { deliveryId: recent!.id } })).toBe(1);
  });

  it('WebhookEndpoint.stats matches a count of the last day’s attempts and the pending deliveries', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/stats' ? { status: req.count % 3 === 0 ? 500 : 200 } : previous(req));
    try {
      const { endpoint } = await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/stats`, { triggers: ['ATTENDEE_REGISTERED'] });
      for (let i = 0; i < 9; i++) await register(fast, seed);
      await untilWebhooksSettled(fast, { organisationId: seed.owner.organisationId });
      const old = newId('webhookDelivery');
      await fast.deps.prisma.webhookDelivery.create({
        data: {
          id: old,
          endpointId: endpoint.id,
          trigger: 'ATTENDEE_REGISTERED',
          emissionId: 'emi_stats',
          payload: '{}',
          status: 'PENDING',
          nextAttemptAt: new Date(Date.now() + 3_600_000),
        },
      });
      const { webhookEndpoints } = await graphqlOk(
        fast.url,
        '{ webhookEndpoints { id stats { succeeded24h failed24h lastSuccessAt lastFailureAt pendingCount p95DurationMs } } }',
        { token: seed.owner.token },
      );
      const stats = webhookEndpoints.find((e: { id: string }) => e.id === endpoint.id).stats;
      const attempts = await fast.deps.prisma.webhookAttempt.findMany({ where: { endpointId: endpoint.id } });
      const ok = attempts.filter((a) => a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300);
      expect(stats).toMatchObject({ succeeded24h: ok.length, failed24h: attempts.length - ok.length, pendingCount: 1 });
      expect(stats.failed24h).toBeGreaterThan(0);
      const durations = attempts.map((a) => a.durationMs).sort((x, y) => x - y);
      expect(stats.p95DurationMs).toBe(durations[Math.ceil(0.95 * durations.length) - 1]);
      expect(stats.lastSuccessAt).toEqual(expect.any(String));
      expect(stats.lastFailureAt).toEqual(expect.any(String));
    } finally {
      receiver.respond = previous;
    }
  });

  it('one batch with a success and a failure of one endpoint records both times, and the success ends the failing streak', async () => {
    const seed = await createSeedShapedEvent(fast.deps);
    const { endpoint } = await createEndpoint(fast.deps, seed.owner.actor, `${receiver.url}/mixed`, { triggers: ['ATTENDEE_REGISTERED'] });
    const outcome = (succeeded: boolean) => ({ endpointId: endpoint.id, succeeded, pausedUntil: null, gone: false });
    await recordEndpointOutcomes(poolSql(fast.deps), [outcome(false)], 60_000);
    const failing = await fast.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(failing).toMatchObject({ lastSuccessAt: null, lastFailureAt: expect.any(Date), failingSince: expect.any(Date) });
    await recordEndpointOutcomes(poolSql(fast.deps), [outcome(true), outcome(false)], 60_000);
    const mixed = await fast.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(mixed).toMatchObject({ lastSuccessAt: expect.any(Date), failingSince: null, enabled: true });
    expect(mixed.lastFailureAt!.getTime()).toBeGreaterThan(failing.lastFailureAt!.getTime());
  });
});
