import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCachedEvent } from '../../src/modules/events/index.ts';
import { register } from '../../src/modules/registrations/registrations.service.ts';
import { deliveriesFor, startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * A registration's transaction waits for the database as few times as it can (issue 32): the locks and the webhook
 * endpoints' read go out with BEGIN; for an event that counts no seats, sends no email and has no endpoint listening,
 * the COMMIT goes out with the INSERT — two round trips. Whatever must follow the INSERT keeps the COMMIT after it.
 *
 * Round trips are read off the app's own pool: each statement a checked-out connection is given is recorded with how
 * many of its statements were still unanswered then. One given while none was is a new round trip; the others went
 * out behind it (the pool is pipelined).
 */
type Statement = { text: string; unanswered: number };

let app: TestApp;
const lines: string[] = [];
const checkouts: Statement[][] = [];
beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'warn', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }, { logLines: lines });
  recordStatements(app.deps.pool);
});
afterAll(async () => {
  await app?.stop();
});

function recordStatements(pool: pg.Pool) {
  const current = new WeakMap<object, Statement[]>();
  const unanswered = new WeakMap<object, number>();
  pool.on('acquire', (client) => {
    const statements: Statement[] = [];
    checkouts.push(statements);
    current.set(client, statements);
    if (unanswered.has(client)) return;
    unanswered.set(client, 0);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const answered = () => unanswered.set(client, unanswered.get(client)! - 1);
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const config = args[0] as string | { text: string };
      current.get(client)?.push({ text: (typeof config === 'string' ? config : config.text).trim(), unanswered: unanswered.get(client)! });
      unanswered.set(client, unanswered.get(client)! + 1);
      const callback = args.at(-1);
      if (typeof callback === 'function') {
        args[args.length - 1] = (...results: unknown[]) => {
          answered();
          callback(...results);
        };
        return query(...args);
      }
      const result = query(...args) as Promise<unknown>;
      result.then(answered, answered);
      return result;
    };
  });
  pool.on('release', (_error: unknown, client: object) => current.delete(client));
}

/** The registration transactions recorded while `run` ran: each statement's first words, and its round trips. */
async function registrationTransactions(run: () => Promise<unknown>) {
  const from = checkouts.length;
  await run();
  return checkouts
    .slice(from)
    .filter((statements) => statements[0]?.text === 'BEGIN' && statements.some((s) => s.text.startsWith('INSERT INTO attendees')))
    .map((statements) => ({
      statements: statements.map((s) => `${s.text.replace(/\s+/g, ' ').split(' ').slice(0, 3).join(' ')} +${s.unanswered}`),
      roundTrips: statements.filter((s) => s.unanswered === 0).length,
    }));
}

describe('round trips of a registration transaction', () => {
  it('an unlimited event, no email, no endpoint: two — BEGIN with the locks and the endpoints read, then the INSERT with COMMIT', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    let res: Awaited<ReturnType<typeof postRegistration>> | undefined;
    const transactions = await registrationTransactions(async () => {
      res = await postRegistration(app.url, seed.event.id, registrationBody({ email: 'two@example.com' }), { key: seed.liveKey });
    });
    expect(res!.status).toBe(201);
    expect(transactions).toEqual([
      {
        statements: ['BEGIN +0', 'SELECT id, status, +1', 'SELECT id, capacity, +2', 'SELECT id, organisation_id, +3', 'INSERT INTO attendees +0', 'COMMIT +1'],
        roundTrips: 2,
      },
    ]);
    const stored = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: res!.body.id } });
    expect([stored.email, stored.status]).toEqual(['two@example.com', 'REGISTERED']);
  });

  it('an endpoint listening: the deliveries are written after the INSERT, and COMMIT waits for them', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, 'http://127.0.0.1:9/round-trips');
    let res: Awaited<ReturnType<typeof postRegistration>> | undefined;
    const [transaction] = await registrationTransactions(async () => {
      res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    });
    expect(res!.status).toBe(201);
    expect(transaction!.statements.at(-1)).toBe('COMMIT +0');
    expect(transaction!.statements.filter((s) => s.startsWith('INSERT INTO webhook_deliveries'))).toHaveLength(1);
    expect(await deliveriesFor(app, res!.body.id)).toHaveLength(1);
  });

  it('seats counted (an event with a capacity) or a confirmation email: COMMIT after what follows the INSERT', async () => {
    const limited = await createSeedShapedEvent(app.deps, { capacity: 100 });
    const mailing = await createSeedShapedEvent(app.deps, { apiConfirmationEmails: true });
    for (const seed of [limited, mailing]) {
      let res: Awaited<ReturnType<typeof postRegistration>> | undefined;
      const [transaction] = await registrationTransactions(async () => {
        res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      });
      expect(res!.status).toBe(201);
      expect(transaction!.statements.at(-1)).toBe('COMMIT +0');
    }
    expect(await app.deps.prisma.emailLog.count({ where: { attendee: { eventId: mailing.event.id } } })).toBe(1);
  });

  it('one registration of a batch failing behind the early COMMIT: nothing of the batch written; each then written alone, once', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const event = await findCachedEvent(app.deps, { actor: seed.liveActor, eventId: seed.event.id, permission: 'attendees:write' });
    // What no validation foresees: PostgreSQL refuses one row of the INSERT.
    await app.deps.pool.query(`
      CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.email_normalized LIKE 'boom@%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_boom BEFORE INSERT ON attendees FOR EACH ROW EXECUTE FUNCTION refuse_boom();`);
    try {
      const emails = ['a@example.com', 'b@example.com', 'boom@example.com', 'c@example.com', 'd@example.com'];
      let outcomes: PromiseSettledResult<Awaited<ReturnType<typeof register>>>[] = [];
      const transactions = await registrationTransactions(async () => {
        // Submitted in one turn of the loop: one batch.
        outcomes = await Promise.allSettled(
          emails.map((email) => register(app.deps, { event, input: registrationBody({ email }), source: 'API', testMode: false, apiKeyId: seed.liveKeyId })),
        );
      });
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((outcomes[2] as PromiseRejectedResult).reason.message).toBe('refused by the test');
      // The batch of five went out with its COMMIT behind the INSERT, failed whole, and was split.
      expect(transactions[0]!.statements.slice(-2)).toEqual(['INSERT INTO attendees +0', 'COMMIT +1']);
      const splits = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'registration batch failed; writing each on its own');
      expect(splits.map((line) => line.registrations)).toEqual([5]);
      expect(transactions).toHaveLength(1 + 5);
      // Each of the four answered 201 (none was refused as a duplicate of itself: the batch wrote nothing), and is stored once.
      const stored = await app.deps.prisma.attendee.findMany({ where: { eventId: seed.event.id }, orderBy: { email: 'asc' } });
      expect(stored.map((a) => a.email)).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
      expect(outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.attendee.id] : [])).sort()).toEqual(stored.map((a) => a.id).sort());
    } finally {
      await app.deps.pool.query('DROP TRIGGER refuse_boom ON attendees; DROP FUNCTION refuse_boom()');
    }
  });
});
