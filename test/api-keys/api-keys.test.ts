import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createUser, type TestUser } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';

let app: TestApp;
let owner: TestUser;
beforeAll(async () => {
  app = await startTestApp();
  owner = await createUser(app.deps);
});
afterAll(async () => {
  await app?.stop();
});

const CREATE = `mutation ($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id name environment prefix lastUsedAt revokedAt createdAt } }
}`;
const VIEWER = '{ viewer { apiKey { id environment } organisation { id } } }';

/** Every row of every table in the database, as text, that contains `needle`. */
async function rowsContaining(needle: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: app.databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const hits: string[] = [];
    for (const table of tables.rows) {
      const found = await client.query(`SELECT count(*)::int AS n FROM "${table.schema}"."${table.name}" t WHERE t::text LIKE $1`, [`%${needle}%`]);
      if (found.rows[0].n > 0) hits.push(`${table.schema}.${table.name}`);
    }
    return hits;
  } finally {
    await client.end();
  }
}

describe('createApiKey', () => {
  it.each([
    ['LIVE', /^eg_live_[A-Za-z0-9_-]{32}$/],
    ['TEST', /^eg_test_[A-Za-z0-9_-]{32}$/],
  ])('creates a %s key whose secret is shown once and stored nowhere', async (environment, shape) => {
    const { createApiKey } = await graphqlOk(app.url, CREATE, { token: owner.token, variables: { input: { name: 'Website', environment } } });
    expect(createApiKey.secret).toMatch(shape);
    expect(createApiKey.apiKey).toEqual({
      id: expect.stringMatching(/^key_[0-9a-z]{26}$/),
      name: 'Website',
      environment,
      prefix: createApiKey.secret.slice(0, 12),
      lastUsedAt: null,
      revokedAt: null,
      createdAt: expect.any(String),
    });

    expect(await rowsContaining(createApiKey.secret.slice(12))).toEqual([]);
    const stored = await app.deps.prisma.apiKey.findUniqueOrThrow({ where: { id: createApiKey.apiKey.id } });
    expect(stored.secretHash).toBe(sha256Hex(createApiKey.secret));

    const listed = await graphqlOk(app.url, '{ apiKeys { id prefix } }', { token: owner.token });
    expect(listed.apiKeys).toContainEqual({ id: createApiKey.apiKey.id, prefix: createApiKey.secret.slice(0, 12) });
    expect(JSON.stringify(listed)).not.toContain(createApiKey.secret);
  });

  it('refuses a bad environment or an empty name', async () => {
    const badEnvironment = await graphql(app.url, CREATE, { token: owner.token, variables: { input: { name: 'x', environment: 'PROD' } } });
    expect(badEnvironment.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const emptyName = await graphql(app.url, CREATE, { token: owner.token, variables: { input: { name: ' ', environment: 'LIVE' } } });
    expect(emptyName.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { name: ['The name field is required.'] } });
  });
});

describe('using and revoking a key', () => {
  it('authenticates with Bearer and with the legacy X-API-Key header, and records last use without a write per request', async () => {
    const { createApiKey } = await graphqlOk(app.url, CREATE, { token: owner.token, variables: { input: { name: 'CRM', environment: 'TEST' } } });
    const expected = { viewer: { apiKey: { id: createApiKey.apiKey.id, environment: 'TEST' }, organisation: { id: owner.organisationId } } };
    expect(await graphqlOk(app.url, VIEWER, { token: createApiKey.secret })).toEqual(expected);
    const legacy = await graphql(app.url, VIEWER, { headers: { 'x-api-key': createApiKey.secret } });
    expect(legacy.data).toEqual(expected);

    // Usage is batched in memory: nothing written yet, then one statement on flush.
    const before = await app.deps.prisma.apiKey.findUniqueOrThrow({ where: { id: createApiKey.apiKey.id } });
    expect(before.lastUsedAt).toBeNull();
    await app.deps.apiKeyUsage.flush();
    const after = await app.deps.prisma.apiKey.findUniqueOrThrow({ where: { id: createApiKey.apiKey.id } });
    expect(after.lastUsedAt?.getTime()).toBeGreaterThan(Date.now() - 10_000);
  });

  it('a revoked key stops authenticating at once, with a message that says so', async () => {
    const { createApiKey } = await graphqlOk(app.url, CREATE, { token: owner.token, variables: { input: { name: 'Old', environment: 'LIVE' } } });
    const { revokeApiKey } = await graphqlOk(app.url, 'mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { id revokedAt } }', {
      token: owner.token,
      variables: { id: createApiKey.apiKey.id },
    });
    expect(revokeApiKey.revokedAt).not.toBeNull();
    const result = await graphql(app.url, VIEWER, { token: createApiKey.secret });
    expect(result.errors?.[0]).toMatchObject({
      message: 'This API key has been revoked. Create a new one under Settings → API Keys.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('revoking an unknown key is NOT_FOUND', async () => {
    const result = await graphql(app.url, 'mutation { revokeApiKey(input: { id: "key_01jd9zzzzzzzzzzzzzzzzzzzzz" }) { id } }', { token: owner.token });
    expect(result.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });
});
