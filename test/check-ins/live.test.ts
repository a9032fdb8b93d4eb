import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createUser } from '../support/factories.ts';
import { http } from '../support/http.ts';
import { untilWebhooksSettled } from '../support/jobs.ts';
import { freePort } from '../support/net.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { subscribeSse, subscribeWs } from '../support/subscriptions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

// Two server processes on one database: A (in this process) takes check-ins, B (its own OS process)
// serves the live feeds.
let a: TestApp;
let b: { url: string; server: ServerProcess };
let receiver: WebhookReceiver;
beforeAll(async () => {
  a = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  const port = await freePort();
  const server = spawnServer({ DATABASE_URL: a.databaseUrl, SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), ROLE: 'api' });
  await server.waitFor(/EventoGate is running/);
  b = { url: `http://127.0.0.1:${port}`, server };
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  b?.server.child.kill('SIGTERM');
  await b?.server.exited();
  await a?.stop();
  await receiver?.stop();
});

const CHECK_INS = `subscription ($id: ID!) { checkIns(eventId: $id) { checkedInAt attendee { id firstName status } stats { registered checkedIn } } }`;

async function scan(eventId: string, key: string, qrToken: string) {
  return await http<any>(`${a.url}/v1/events/${eventId}/check-ins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ qr_token: qrToken }),
  });
}

describe('live check-in feeds', () => {
  it('a check-in on one process reaches graphql-ws and SSE subscribers on another, with counts; one webhook', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    await createEndpoint(a.deps, seed.owner.actor, `${receiver.url}/live`, { triggers: ['ATTENDEE_CHECKED_IN'] });
    const one = await postRegistration(a.url, seed.event.id, registrationBody({ first_name: 'Ada' }), { key: seed.liveKey });
    const two = await postRegistration(a.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    await postRegistration(a.url, seed.event.id, registrationBody(), { key: seed.testKey }); // not counted

    const ws = await subscribeWs(b.url, CHECK_INS, { token: seed.owner.token, variables: { id: seed.event.id } });
    const sse = await subscribeSse(b.url, CHECK_INS, { token: seed.owner.token, variables: { id: seed.event.id } });
    try {
      const started = Date.now();
      const res = await scan(seed.event.id, seed.liveKey, one.body.qr_token);
      expect(res.body.already_checked_in).toBe(false);
      const event = await ws.nth(1);
      console.info(`check-in → subscriber on the other process: ${Date.now() - started} ms`);
      expect(event.checkIns).toEqual({
        checkedInAt: expect.any(String),
        attendee: { id: one.body.id, firstName: 'Ada', status: 'CHECKED_IN' },
        stats: { registered: 2, checkedIn: 1 },
      });
      expect((await sse.nth(1)).checkIns).toEqual(event.checkIns);

      // A repeat scan is not news: the next check-in is the feed's next value.
      await scan(seed.event.id, seed.liveKey, one.body.qr_token);
      await scan(seed.event.id, seed.liveKey, two.body.qr_token);
      expect((await ws.nth(2)).checkIns.attendee.id).toBe(two.body.id);
      expect((await sse.nth(2)).checkIns.attendee.id).toBe(two.body.id);
      await untilWebhooksSettled(a);
      expect(receiver.on('/live').map((w) => w.json.attendee_id)).toEqual([one.body.id, two.body.id]);
    } finally {
      await ws.close();
      await sse.close();
    }
  });

  it('attendeeRegistered and eventStats', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    const registeredFeed = await subscribeWs(b.url, 'subscription ($id: ID!) { attendeeRegistered(eventId: $id) { email source } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    const stats = await subscribeWs(b.url, 'subscription ($id: ID!) { eventStats(eventId: $id) { registered checkedIn } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    try {
      expect((await stats.nth(1)).eventStats).toEqual({ registered: 0, checkedIn: 0 });
      const res = await postRegistration(a.url, seed.event.id, registrationBody({ email: 'live.feed@example.com' }), { key: seed.liveKey });
      expect((await registeredFeed.nth(1)).attendeeRegistered).toEqual({ email: 'live.feed@example.com', source: 'API' });
      expect((await stats.nth(2)).eventStats).toEqual({ registered: 1, checkedIn: 0 });
      await scan(seed.event.id, seed.liveKey, res.body.qr_token);
      expect((await stats.nth(3)).eventStats).toEqual({ registered: 1, checkedIn: 1 });
      // Test-mode registrations are not on live feeds: the next live one is the feed's next value.
      await postRegistration(a.url, seed.event.id, registrationBody(), { key: seed.testKey });
      await postRegistration(a.url, seed.event.id, registrationBody({ email: 'next.live@example.com' }), { key: seed.liveKey });
      expect((await registeredFeed.nth(2)).attendeeRegistered).toEqual({ email: 'next.live@example.com', source: 'API' });
    } finally {
      await registeredFeed.close();
      await stats.close();
    }
  });

  it('an unauthenticated or foreign subscriber gets an error, never data', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    const stranger = await createUser(a.deps);
    const anonymous = await subscribeWs(b.url, CHECK_INS, { variables: { id: seed.event.id } });
    const foreign = await subscribeWs(b.url, CHECK_INS, { token: stranger.token, variables: { id: seed.event.id } });
    const foreignSse = await subscribeSse(b.url, CHECK_INS, { token: stranger.token, variables: { id: seed.event.id } });
    try {
      expect(await anonymous.firstError()).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      expect(await foreign.firstError()).toMatchObject({ message: 'Event not found.', extensions: { code: 'NOT_FOUND' } });
      expect(await foreignSse.firstError()).toMatchObject({ message: 'Event not found.', extensions: { code: 'NOT_FOUND' } });
      // The owner's subscription on the same process hears the check-in; the refused ones were never subscribed.
      const owner = await subscribeWs(b.url, CHECK_INS, { token: seed.owner.token, variables: { id: seed.event.id } });
      const one = await postRegistration(a.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      await scan(seed.event.id, seed.liveKey, one.body.qr_token);
      expect((await owner.nth(1)).checkIns.attendee.id).toBe(one.body.id);
      await owner.close();
      expect([...anonymous.values, ...foreign.values, ...foreignSse.values]).toEqual([]);
    } finally {
      await anonymous.close();
      await foreign.close();
      await foreignSse.close();
    }
  });
});
