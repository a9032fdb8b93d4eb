import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { addMember, createSeedShapedEvent } from '../support/factories.ts';
import { graphqlOk } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { type Subscription, subscribeSse, subscribeWs } from '../support/subscriptions.ts';

/**
 * Live feeds show each credential its own mode only, and end when the credential does — on every process.
 * Subscribers connect to B (its own OS process); credentials are revoked through A.
 */
let a: TestApp;
let b: { url: string; server: ServerProcess };
beforeAll(async () => {
  a = await startTestApp();
  const port = await freePort();
  const server = spawnServer({ DATABASE_URL: a.databaseUrl, SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), ROLE: 'api' });
  await server.waitFor(/EventoGate is running/);
  b = { url: `http://127.0.0.1:${port}`, server };
});
afterAll(async () => {
  b?.server.child.kill('SIGTERM');
  await b?.server.exited();
  await a?.stop();
});

const REGISTERED = 'subscription ($id: ID!) { attendeeRegistered(eventId: $id) { email } }';
const STATS = 'subscription ($id: ID!) { eventStats(eventId: $id) { registered } }';

describe('modes', () => {
  it('a test key sees test attendees only, a live key and the dashboard live ones only', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    const asTest = await subscribeWs(b.url, REGISTERED, { token: seed.testKey, variables: { id: seed.event.id } });
    const asLive = await subscribeWs(b.url, REGISTERED, { token: seed.liveKey, variables: { id: seed.event.id } });
    const asOwner = await subscribeSse(b.url, REGISTERED, { token: seed.owner.token, variables: { id: seed.event.id } });
    const testStats = await subscribeWs(b.url, STATS, { token: seed.testKey, variables: { id: seed.event.id } });
    try {
      await postRegistration(a.url, seed.event.id, registrationBody({ email: 'live.person@example.com' }), { key: seed.liveKey });
      await postRegistration(a.url, seed.event.id, registrationBody({ email: 'test.person@example.com' }), { key: seed.testKey });
      expect((await asTest.nth(1)).attendeeRegistered.email).toBe('test.person@example.com');
      expect((await asLive.nth(1)).attendeeRegistered.email).toBe('live.person@example.com');
      expect((await asOwner.nth(1)).attendeeRegistered.email).toBe('live.person@example.com');
      // Each had the other mode's registration before its own (or after): a later registration of its own mode
      // arrives second, so nothing of the other mode was in between.
      await postRegistration(a.url, seed.event.id, registrationBody({ email: 'test.two@example.com' }), { key: seed.testKey });
      await postRegistration(a.url, seed.event.id, registrationBody({ email: 'live.two@example.com' }), { key: seed.liveKey });
      expect((await asTest.nth(2)).attendeeRegistered.email).toBe('test.two@example.com');
      expect((await asLive.nth(2)).attendeeRegistered.email).toBe('live.two@example.com');
      expect(asTest.values.map((v) => v.attendeeRegistered.email)).toEqual(['test.person@example.com', 'test.two@example.com']);
      expect((await testStats.nth(1)).eventStats).toEqual({ registered: 0 });
      await expect.poll(() => testStats.values.at(-1)?.eventStats.registered, { timeout: 5_000 }).toBe(2);
    } finally {
      for (const s of [asTest, asLive, asOwner, testStats]) await s.close();
    }
  });
});

describe('a credential that stops being valid ends its subscriptions on every process within 1 s', () => {
  async function expectEnded(subscription: Subscription<unknown>, revokedAt: number) {
    const error = await subscription.firstError(Math.max(100, revokedAt + 1_000 - Date.now()));
    expect(error).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect.poll(() => subscription.completed(), { timeout: 1_000 }).toBe(true);
    expect(Date.now() - revokedAt).toBeLessThan(1_500);
    await subscription.close();
  }

  it('revokeApiKey (graphql-ws and SSE)', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    const ws = await subscribeWs(b.url, REGISTERED, { token: seed.liveKey, variables: { id: seed.event.id } });
    const sse = await subscribeSse(b.url, REGISTERED, { token: seed.liveKey, variables: { id: seed.event.id } });
    const revokedAt = Date.now();
    await graphqlOk(a.url, 'mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { revokedAt } }', {
      token: seed.owner.token,
      variables: { id: seed.liveKeyId },
    });
    await expectEnded(ws, revokedAt);
    await expectEnded(sse, revokedAt);
  });

  it('logOut', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    const ws = await subscribeWs(b.url, STATS, { token: seed.owner.token, variables: { id: seed.event.id } });
    const revokedAt = Date.now();
    await graphqlOk(a.url, 'mutation { logOut }', { token: seed.owner.token });
    await expectEnded(ws, revokedAt);
  });

  it('revokeSession from another session of the same user', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    const other = await graphqlOk(a.url, 'mutation ($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { token } }', {
      variables: { e: seed.owner.email, p: 'correct horse battery staple' },
    });
    const ws = await subscribeWs(b.url, STATS, { token: seed.owner.token, variables: { id: seed.event.id } });
    const revokedAt = Date.now();
    await graphqlOk(a.url, 'mutation ($id: ID!) { revokeSession(input: { id: $id }) }', { token: other.logIn.token, variables: { id: seed.owner.sessionId } });
    await expectEnded(ws, revokedAt);
  });

  it('removeMember', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    const staff = await addMember(a.deps, seed.owner.organisationId, 'STAFF');
    const ws = await subscribeWs(b.url, REGISTERED, { token: staff.token, variables: { id: seed.event.id } });
    const revokedAt = Date.now();
    await graphqlOk(a.url, 'mutation ($id: ID!) { removeMember(input: { userId: $id }) }', { token: seed.owner.token, variables: { id: staff.userId } });
    await expectEnded(ws, revokedAt);
  });

  it('a session that expires', async () => {
    const seed = await createSeedShapedEvent(a.deps);
    const expiresAt = new Date(Date.now() + 1_500);
    await a.deps.prisma.session.update({ where: { id: seed.owner.sessionId }, data: { expiresAt } });
    const ws = await subscribeWs(b.url, REGISTERED, { token: seed.owner.token, variables: { id: seed.event.id } });
    await expectEnded(ws, expiresAt.getTime());
  });
});
