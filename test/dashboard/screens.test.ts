import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.ts';
import { importAttendees } from '../../src/modules/imports/imports.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { untilWebhooksSettled } from '../support/jobs.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';
import {
  AttendeeTableDocument,
  type AttendeeTableQueryVariables,
  DashboardHomeDocument,
  EventOverviewDocument,
  ImportHistoryDocument,
  WebhookPageDocument,
} from './gql/graphql.ts';
import { runScreen } from './support.ts';

/**
 * The five dashboard screens (test/dashboard/screens/*.graphql, typed by GraphQL Code Generator) against a running
 * server: each is one request whose number of SQL statements does not grow with its page size, and on an event of
 * 100,000 attendees every attendee query they send walks an index instead of sorting or scanning the table.
 */

let app: TestApp;
/** An API-only process on the same database whose statements are counted (no worker traffic mixed in). */
let counted: TestApp;
const statements: Array<{ query: string; params: string }> = [];
let receiver: WebhookReceiver;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;
let endpointId: string;

beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  counted = await startTestApp({ ROLE: 'api' }, { databaseUrl: app.databaseUrl, onQuery: (query, params) => statements.push({ query, params }) });
  // Statements on the plain pool (counters, webhook stats) count too.
  const pool = counted.deps.pool;
  const query = pool.query.bind(pool);
  pool.query = ((...args: Parameters<typeof query>) => {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
    statements.push({ query: text, params: JSON.stringify(args[1] ?? []) });
    return query(...args);
  }) as typeof pool.query;
  receiver = await new WebhookReceiver().start();

  seed = await createSeedShapedEvent(app.deps, { capacity: 500 });
  ({
    endpoint: { id: endpointId },
  } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/screens`));
  for (let i = 0; i < 30; i++) {
    const res = await postRegistration(
      app.url,
      seed.event.id,
      registrationBody({ last_name: `Name${i % 7}`, ticket_type_slug: i % 2 ? 'vip' : 'general', custom_data: { company: `Co ${i}` } }),
      { key: seed.liveKey },
    );
    expect(res.status).toBe(201);
    if (i % 3 === 0) {
      const scan = await fetch(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
        body: JSON.stringify({ qr_token: res.body.qr_token }),
      });
      expect(scan.status).toBe(200);
    }
  }
  for (let i = 0; i < 6; i++) {
    const name = `Other event ${i}`;
    await app.deps.prisma.event.create({
      data: {
        id: newId('event'),
        organisationId: seed.owner.organisationId,
        name,
        startsAt: new Date(Date.UTC(2027, 4, i + 1)),
        endsAt: new Date(Date.UTC(2027, 4, i + 2)),
        timezone: 'UTC',
        ticketTypes: { create: [{ id: newId('ticketType'), name: 'General Admission', slug: 'general', isDefault: true }] },
      },
    });
  }
  for (let i = 0; i < 6; i++) {
    await importAttendees(app.deps, {
      actor: seed.owner.actor,
      input: { eventId: seed.event.id, csv: `first_name,last_name,email\nRow,${i},not-an-email\n`, dryRun: true },
    });
  }
  await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId });
}, 120_000);

afterAll(async () => {
  await counted?.close();
  await app?.stop();
  await receiver?.stop();
});

/**
 * Writers that batch in the background (audit entries of reads, last-used times of keys and sessions) flush on a
 * timer, whichever request happens to be running: not a screen's statements.
 */
const BACKGROUND = /^\s*(INSERT INTO audit_log|UPDATE (api_keys|sessions) AS k SET last_used_at)/;

/** Runs a screen and returns how many statements it took. */
async function statementsOf(run: () => Promise<unknown>): Promise<number> {
  statements.length = 0;
  await run();
  return statements.filter((s) => !BACKGROUND.test(s.query)).length;
}

const token = () => seed.owner.token;
const screens = {
  'dashboard home': (n: number) => runScreen(counted.url, DashboardHomeDocument, { first: n }, token()),
  'event overview': (n: number) =>
    runScreen(counted.url, EventOverviewDocument, { eventId: seed.event.id, from: '2026-01-01T00:00:00Z', to: '2027-12-31T00:00:00Z', recent: n }, token()),
  'attendee table': async (n: number) => {
    // Page 3 of a filtered, ordered search.
    const variables: AttendeeTableQueryVariables = { eventId: seed.event.id, first: n, search: 'name', orderBy: 'LAST_NAME_ASC' };
    let after: string | null | undefined;
    for (let page = 0; page < 2; page++)
      after = (await runScreen(counted.url, AttendeeTableDocument, { ...variables, after }, token())).attendees.pageInfo.endCursor;
    return await runScreen(counted.url, AttendeeTableDocument, { ...variables, after }, token());
  },
  'webhook page': (n: number) => runScreen(counted.url, WebhookPageDocument, { endpointId, first: n }, token()),
  'import history': (n: number) => runScreen(counted.url, ImportHistoryDocument, { eventId: seed.event.id, first: n }, token()),
};

describe('the five dashboard screens', () => {
  it('answer with data a dashboard can show', async () => {
    const home = await screens['dashboard home'](10);
    expect(home.events.totalCount).toBe(7);
    const event = home.events.edges.find((e) => e.node.id === seed.event.id)!.node;
    expect(event.stats).toEqual({ registered: 30, checkedIn: 10, cancelled: 0, noShow: 0, capacityRemaining: 470 });
    expect(event.ticketTypes.map((t) => [t.name, t.registeredCount, t.remaining])).toEqual([
      ['General Admission', 15, 470],
      ['VIP', 15, 470],
    ]);
    const overview = await screens['event overview'](5);
    expect(overview.event?.registrationsOverTime.reduce((sum, b) => sum + b.count, 0)).toBe(30);
    expect(overview.recentCheckIns.totalCount).toBe(10);
    const checkedInAt = overview.recentCheckIns.edges.map((e) => e.node.checkedInAt!);
    expect(checkedInAt).toEqual([...checkedInAt].sort().reverse());
    const table = await screens['attendee table'](4);
    expect(table.attendees.totalCount).toBe(30);
    // Five each of Name0 and Name1, then Name2: rows 9–12 in last-name order.
    expect(table.attendees.edges.map((e) => e.node.lastName)).toEqual(['Name1', 'Name1', 'Name2', 'Name2']);
    const webhooks = await screens['webhook page'](5);
    // One per registration and one per check-in.
    expect(webhooks.webhookDeliveries.totalCount).toBe(40);
    expect(webhooks.webhookEndpoints[0]?.stats.succeeded24h).toBe(40);
    const imports = await screens['import history'](5);
    expect(imports.importJobs.totalCount).toBe(6);
  });

  it.each(Object.keys(screens) as Array<keyof typeof screens>)('%s: one request, as many statements for 2 rows as for 9', async (name) => {
    await screens[name](2); // warm-up: caches, prepared statements, session touch
    const small = await statementsOf(() => screens[name](2));
    const large = await statementsOf(() => screens[name](9));
    expect({ name, large }).toEqual({ name, large: small });
  });
});

describe('on an event of 100,000 attendees', () => {
  it('every attendee query of the screens is an index scan (EXPLAIN), never a sort of the event or a sequential scan', async () => {
    const big = await createSeedShapedEvent(app.deps);
    const [general, vip] = await Promise.all(
      ['general', 'vip'].map((slug) => app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: big.event.id, slug } })),
    );
    // In chunks of 10,000: one statement of 100,000 rows (each through the counters' triggers) came near the pool's
    // 15 s statement_timeout on a busy CI machine and was cancelled.
    for (let chunk = 0; chunk < 10; chunk++) {
      const ids = Array.from({ length: 10_000 }, () => newId('attendee'));
      await app.deps.pool.query(
        `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, status,
                              qr_token, source, registered_at, checked_in_at, updated_at)
       SELECT t.id, $2, $3, CASE WHEN t.n % 4 = 0 THEN $5 ELSE $4 END, 'First' || (t.n % 97), 'Last' || (t.n % 1013),
              'p' || t.n || '@example.com', 'p' || t.n || '@example.com',
              (CASE WHEN t.n % 10 < 2 THEN 'CHECKED_IN' WHEN t.n % 20 = 2 THEN 'CANCELLED' WHEN t.n % 20 = 3 THEN 'NO_SHOW' ELSE 'REGISTERED' END)::"AttendeeStatus",
              gen_random_uuid(), (CASE WHEN t.n % 50 = 0 THEN 'IMPORT' ELSE 'API' END)::"RegistrationSource",
              now() - (t.n || ' seconds')::interval, CASE WHEN t.n % 10 < 2 THEN now() - (t.n % 5000 || ' seconds')::interval END, now()
       FROM unnest($1::text[]) WITH ORDINALITY AS u(id, i), LATERAL (SELECT u.id, u.i + $6::int AS n) AS t`,
        [ids, big.owner.organisationId, big.event.id, general!.id, vip!.id, chunk * 10_000],
      );
    }
    await app.deps.pool.query('ANALYZE attendees');

    const cases: Array<Omit<AttendeeTableQueryVariables, 'eventId' | 'first'>> = [
      {},
      { orderBy: 'REGISTERED_AT_DESC' },
      { orderBy: 'LAST_NAME_ASC' },
      { orderBy: 'CHECKED_IN_AT_DESC', checkedIn: true },
      { status: 'CHECKED_IN', orderBy: 'REGISTERED_AT_DESC' },
      { ticketTypeSlug: 'vip', orderBy: 'LAST_NAME_ASC' },
      { checkedIn: false },
      // A search every attendee matches: the planner walks the order's index and stops at the page.
      { search: 'example.com', orderBy: 'LAST_NAME_ASC' },
      // A search some 2,400 match: read from the trigram index, only the matches sorted (below).
      { search: 'last12', orderBy: 'LAST_NAME_ASC' },
    ];
    for (const filters of cases) {
      // Page 3, as the screen asks for it.
      let after: string | null | undefined;
      statements.length = 0;
      for (let page = 0; page < 3; page++) {
        const data = await runScreen(counted.url, AttendeeTableDocument, { eventId: big.event.id, first: 50, after, ...filters }, big.owner.token);
        expect(data.attendees.edges).toHaveLength(50);
        after = data.attendees.pageInfo.endCursor;
      }
      // The page of ids (keyset from the cursor row); the rows themselves are then loaded by id.
      const lists = statements.filter((s) => /^SELECT id FROM attendees WHERE .* ORDER BY .* LIMIT/s.test(s.query));
      expect(lists.length).toBe(3);
      for (const list of lists) {
        const { rows } = await app.deps.pool.query(`EXPLAIN (FORMAT JSON) ${list.query}`, JSON.parse(list.params));
        const nodes = planNodes(rows[0]['QUERY PLAN'][0].Plan);
        const onAttendees = nodes.filter((node) => node['Relation Name'] === 'attendees').map((node) => node['Node Type']);
        const sorts = nodes.filter((node) => /Sort/.test(node['Node Type']));
        const fromTrigrams = nodes.some((node) => node['Index Name'] === 'attendees_search_idx');
        if (filters.search && fromTrigrams) {
          // A rare pattern: the trigram index yields its matches, and only they are sorted (never the event).
          expect({ filters, sorted: sorts.map((sort) => (sort['Plan Rows'] ?? 0) < 10_000) }).toEqual({ filters, sorted: [true] });
        } else {
          expect({ filters, sorts: sorts.length, onAttendees }).toEqual({
            filters,
            sorts: 0,
            onAttendees: expect.arrayContaining([expect.stringMatching(/^Index (Only )?Scan$/)]),
          });
        }
        expect(onAttendees).not.toContain('Seq Scan');
        if (filters.search === 'last12') expect({ filters, fromTrigrams }).toEqual({ filters, fromTrigrams: true });
      }
    }
  }, 120_000);
});

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Plan Rows'?: number; Plans?: PlanNode[] };

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}
