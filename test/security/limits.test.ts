import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createUser, PASSWORD, uniqueEmail } from '../support/factories.ts';
import { graphql, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/** Everything an attacker would repeat has a limit, across processes (the counters live in PostgreSQL). */
let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  // A small API budget, so sharing it between REST and GraphQL is quick to show.
  app = await startTestApp({ API_RATE_LIMIT_PER_MIN: '30', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

const LOG_IN = 'mutation ($input: LogInInput!) { logIn(input: $input) { token } }';

describe('brute force', () => {
  it('30 wrong passwords at once, then the right one: refused with RATE_LIMITED and retryAfterSeconds', async () => {
    const user = await createUser(app.deps);
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => graphql(app.url, LOG_IN, { variables: { input: { email: user.email, password: `guess number ${i}` } } })),
    );
    const codes = guesses.map((g) => g.errors?.[0]?.extensions.code);
    expect(codes.every((c) => c === 'UNAUTHENTICATED' || c === 'RATE_LIMITED')).toBe(true);
    // The attempt budget stopped most of the burst before any password was checked.
    expect(codes.filter((c) => c === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(10);

    const right = await graphql(app.url, LOG_IN, { variables: { input: { email: user.email, password: PASSWORD } } });
    expect(right.data).toBeNull();
    expect(right.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } });
    expect(right.errors?.[0]?.extensions.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('failures lock an email for longer each time, even for the right password', async () => {
    const user = await createUser(app.deps);
    const wrong = () => graphql(app.url, LOG_IN, { variables: { input: { email: user.email, password: 'wrong password here' } } });
    // Five free failures, one at a time.
    for (let i = 0; i < 5; i++) expect((await wrong()).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect((await wrong()).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    const locked = await graphql(app.url, LOG_IN, { variables: { input: { email: user.email, password: PASSWORD } } });
    expect(locked.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 2 });
  });

  it('signUp, requestPasswordReset and inviteMember are limited per client address', async () => {
    const signUps = [];
    for (let i = 0; i < 11; i++) {
      signUps.push(
        await graphql(
          app.url,
          'mutation ($e: String!) { signUp(input: { email: $e, password: "a long enough one", name: "S", organisationName: "S" }) { token } }',
          {
            variables: { e: uniqueEmail('signup') },
          },
        ),
      );
    }
    expect(signUps.slice(0, 10).every((r) => !r.errors)).toBe(true);
    expect(signUps[10]!.errors?.[0]?.extensions.code).toBe('RATE_LIMITED');

    const resets = [];
    for (let i = 0; i < 11; i++)
      resets.push(await graphql(app.url, 'mutation ($e: String!) { requestPasswordReset(input: { email: $e }) }', { variables: { e: uniqueEmail() } }));
    expect(resets.slice(0, 10).every((r) => r.data?.requestPasswordReset === true)).toBe(true);
    expect(resets[10]!.errors?.[0]?.extensions.code).toBe('RATE_LIMITED');

    const owner = await createUser(app.deps);
    const invites = [];
    for (let i = 0; i < 31; i++) {
      invites.push(
        await graphql(app.url, 'mutation ($e: String!) { inviteMember(input: { email: $e, role: STAFF }) { id } }', {
          token: owner.token,
          variables: { e: uniqueEmail() },
        }),
      );
    }
    expect(invites.slice(0, 30).every((r) => !r.errors)).toBe(true);
    expect(invites[30]!.errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
  });

  it('sendTestWebhook: a few pings a minute per endpoint', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/pings`);
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        await graphql(app.url, 'mutation ($id: ID!) { sendTestWebhook(input: { endpointId: $id }) { id } }', {
          token: seed.owner.token,
          variables: { id: endpoint.id },
        }),
      );
    }
    expect(answers.slice(0, 5).every((a) => !a.errors)).toBe(true);
    expect(answers[5]!.errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
    expect(receiver.on('/pings')).toHaveLength(5);
  });
});

describe('GraphQL cost limits', () => {
  it.each([
    ['1,000 aliases', `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`],
    ['5,000 tokens', `{ viewer { ${'role '.repeat(5000)}} }`],
    ['50 directives', `{ viewer { role ${'@include(if: true) '.repeat(50)}} }`],
  ])('refuses %s before running it', async (_case, query) => {
    const owner = await createUser(app.deps);
    const result = await graphql(app.url, query, { token: owner.token });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a document nested past the depth limit', async () => {
    const owner = await createUser(app.deps);
    const deep = `{ ${'viewer { organisation { '.repeat(1)}${'a { '.repeat(15)}id${' }'.repeat(15)} } } }`;
    const result = await graphql(app.url, deep, { token: owner.token });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.map((e) => e.message)).toContain('Syntax Error: Query depth limit of 10 exceeded, found 18.');
  });

  it('200 aliased registerAttendee create nobody and do not get around the key’s budget', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const mutation = `mutation ($id: ID!) { ${Array.from(
      { length: 200 },
      (_, i) => `r${i}: registerAttendee(input: { eventId: $id, firstName: "A", lastName: "B", email: "alias${i}@example.com" }) { id }`,
    ).join(' ')} }`;
    const result = await graphql(app.url, mutation, { token: seed.owner.token, variables: { id: seed.event.id } });
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(0);
  });

  it('an API key has one budget across REST and GraphQL: every mutation field counts, and GraphQL answers carry RateLimit-*', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const query = '{ viewer { apiKey { id } } }';
    const first = await graphql(app.url, query, { token: seed.liveKey });
    expect(first.headers.get('ratelimit-limit')).toBe('30');
    expect(first.headers.get('ratelimit-remaining')).toBe('29');
    for (let i = 0; i < 15; i++) expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
    // 14 points left; a mutation of 15 root fields needs 15: refused, and none of it runs.
    const mutation = `mutation ($id: ID!) { ${Array.from(
      { length: 15 },
      (_, i) => `r${i}: registerAttendee(input: { eventId: $id, firstName: "A", lastName: "B", email: "budget${i}@example.com" }) { id }`,
    ).join(' ')} }`;
    const refused = await graphql(app.url, mutation, { token: seed.liveKey, variables: { id: seed.event.id } });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await app.deps.prisma.attendee.count({ where: { email: { startsWith: 'budget' } } })).toBe(0);
    // The refused mutation spent its points too (as an over-limit REST request does): REST is refused now.
    const rest = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    expect(rest.status).toBe(429);
    expect(rest.body).toEqual({ error: 'rate_limited', message: expect.stringMatching(/^Too many requests/) });
  });

  it('sendTestWebhook at most once per request', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/once`);
    const pings = await graphql(
      app.url,
      `mutation ($id: ID!) { ${Array.from({ length: 10 }, (_, i) => `p${i}: sendTestWebhook(input: { endpointId: $id }) { id }`).join(' ')} }`,
      { token: seed.owner.token, variables: { id: endpoint.id } },
    );
    expect(pings.errors?.[0]).toMatchObject({ message: 'sendTestWebhook may be asked for at most once per request.', extensions: { code: 'BAD_USER_INPUT' } });
    expect(receiver.on('/once')).toEqual([]);
  });

  it('suggests field names to authenticated callers only', async () => {
    const anonymous = await graphql(app.url, '{ viewr { role } }');
    expect(anonymous.errors?.[0]?.message).toBe('Cannot query field "viewr" on type "Query".');
    const owner = await createUser(app.deps);
    const authenticated = await graphql(app.url, '{ viewr { role } }', { token: owner.token });
    expect(authenticated.errors?.[0]?.message).toMatch(/Did you mean "viewer"\?/);
  });
});

describe('every surface answers a bad request with a 4xx, never a 5xx', () => {
  it('a GraphQL body over the limit is a 413 in GraphQL form', async () => {
    const res = await http(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ viewer { role } } # ${'x'.repeat(12 * 1024 * 1024)}` }),
    });
    expect(res.status).toBe(413);
    expect((res.body as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});
