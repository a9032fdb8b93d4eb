import { type DocumentNode, getOperationAST, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SELECTABLE_FIELDS as SERVER_PAYLOAD_FIELDS } from '../../src/modules/webhooks/webhook-payload.ts';
import * as documents from '../../web/dashboard/src/gql/graphql.ts';
import { PAYLOAD_FIELDS as DASHBOARD_PAYLOAD_FIELDS } from '../../web/dashboard/src/lib/webhooks.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { graphql } from '../support/http.ts';

/**
 * Every GraphQL document the dashboard sends passes the server's own limits (graphql-armor's static cost, depth,
 * tokens, aliases): a screen whose query is refused shows only "Something went wrong", and its browser test may not
 * reach it. Sent for real, without credentials or variables: validation runs first, so a document over a limit is
 * refused with that limit's message; one within them stops at its missing variables or credentials, changing nothing.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
}, 60_000);
afterAll(async () => {
  await app?.stop();
});

const LIMITS = /Query Cost limit|Max depth|Token limit|aliases|directives/i;

describe('the dashboard’s documents', () => {
  const all = Object.entries(documents).filter(([name, value]) => name.endsWith('Document') && typeof value === 'object') as Array<[string, DocumentNode]>;

  it('are found (the generated module lists them)', () => {
    expect(all.length).toBeGreaterThan(60);
  });

  it('each passes the server’s limits (queries and mutations; subscriptions are refused over POST and are one field each)', async () => {
    const refused: string[] = [];
    for (const [name, document] of all) {
      if (getOperationAST(document)?.operation === 'subscription') continue;
      const result = await graphql(app.url, print(document));
      for (const error of result.errors ?? []) if (LIMITS.test(error.message)) refused.push(`${name}: ${error.message}`);
    }
    expect(refused).toEqual([]);
  });
});

describe('the dashboard’s copy of what the API accepts', () => {
  it('offers exactly the payload fields the server accepts as Selected Fields, in the payload’s order', () => {
    expect([...DASHBOARD_PAYLOAD_FIELDS]).toEqual([...SERVER_PAYLOAD_FIELDS]);
  });
});
