// `npm run bench:insert`: what a registered attendee costs PostgreSQL, and which part of the schema costs what
// (issue 32). The registration's own batch INSERT (src/modules/registrations/registrations.sql.ts, 20 rows a
// statement as under load) runs on one connection into a fresh copy of the migrated database, as shipped and with
// one part of the schema changed; the variants alternate, round after round, and each is read as the backend's CPU
// per row (/proc), so the machine's speed moves all of them alike. The numbers are PostgreSQL's alone: no HTTP, no
// API process, no locks taken by other transactions.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { applyMigrations } from '../src/db/migrate.ts';
import { clientSql } from '../src/db/sql.ts';
import { createLogger } from '../src/lib/logger.ts';
import { insertAttendees } from '../src/modules/registrations/registrations.sql.ts';
import { cpuMs, startEmbeddedPostgres } from './support.ts';

const BATCH = 20;
const BATCHES = Number(process.env.BENCH_INSERT_BATCHES ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** Names as a crowd has them (100 pairs), so the name and search indexes see varied keys. */
const FIRST_NAMES = ['Sarah', 'Tom', 'Aiko', 'Lena', 'Omar', 'Priya', 'Jonas', 'Mei', 'Carlos', 'Fatima'];
const LAST_NAMES = ['Chen', 'Okafor', 'Müller', 'Smith', 'García', 'Nakamura', 'Haddad', 'Kowalski', 'Singh', 'Rossi'];

/** Each variant: statements run on the fresh copy before measuring (none: as shipped). */
const VARIANTS: Record<string, string> = {
  'as shipped': '',
  'without the search index (trigram GIN)': 'DROP INDEX attendees_search_idx',
  'search index with fastupdate off': 'ALTER INDEX attendees_search_idx SET (fastupdate = off)',
  'without the sync index': 'DROP INDEX attendees_sync_idx',
  'without the name-order index': 'DROP INDEX attendees_event_id_test_mode_last_name_first_name_id_idx',
  'without the registration-order index': 'DROP INDEX attendees_event_id_test_mode_registered_at_id_idx',
  'without the three foreign-key checks': `ALTER TABLE attendees DROP CONSTRAINT attendees_organisation_id_fkey,
     DROP CONSTRAINT attendees_event_id_fkey, DROP CONSTRAINT attendees_ticket_type_id_fkey`,
  'without the counters trigger': 'DROP TRIGGER attendees_count_insert ON attendees',
};

const postgres = await startEmbeddedPostgres();
const admin = new pg.Client({ connectionString: postgres.url });
await admin.connect();
try {
  await admin.query('CREATE DATABASE insert_template');
  const templateUrl = urlOf('insert_template');
  await applyMigrations({ databaseUrl: templateUrl, logger: createLogger('warn') });
  const seed = new pg.Client({ connectionString: templateUrl });
  await seed.connect();
  await seed.query(`INSERT INTO organisations (id, name, updated_at) VALUES ('org_bench', 'Bench', now())`);
  await seed.query(
    `INSERT INTO events (id, organisation_id, name, starts_at, ends_at, timezone, updated_at)
     VALUES ('evt_bench', 'org_bench', 'Bench', now(), now() + interval '1 day', 'UTC', now())`,
  );
  await seed.query(
    `INSERT INTO ticket_types (id, event_id, name, slug, is_default, updated_at) VALUES ('tkt_bench', 'evt_bench', 'General', 'general', true, now())`,
  );
  await seed.end();

  const perRow = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, change] of Object.entries(VARIANTS)) {
      const us = await measure(change);
      perRow.set(name, [...(perRow.get(name) ?? []), us]);
      process.stderr.write(`round ${round}: ${name} ${us.toFixed(0)} µs/row\n`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const shipped = median(perRow.get('as shipped')!);
  process.stdout.write(
    `\nPostgreSQL CPU per attendee row, the registration's INSERT in batches of ${BATCH} (${BATCHES * BATCH} rows a run, ${ROUNDS} rounds):\n`,
  );
  for (const [name, xs] of perRow) {
    const m = median(xs);
    process.stdout.write(
      `${name.padEnd(40)} ${m.toFixed(0).padStart(5)} µs (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})   ${(m / shipped).toFixed(2)} × as shipped\n`,
    );
  }
} finally {
  await admin.end();
  await postgres.stop();
}

function urlOf(database: string): string {
  return Object.assign(new URL(postgres.url), { pathname: `/${database}` }).toString();
}

/** A fresh copy of the template with `change` applied; the backend's CPU per row over BATCHES batches (after 50 unmeasured). */
async function measure(change: string): Promise<number> {
  await admin.query('CREATE DATABASE insert_run TEMPLATE insert_template');
  const client = new pg.Client({ connectionString: urlOf('insert_run') });
  await client.connect();
  try {
    if (change) await client.query(change);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const sql = clientSql(client as unknown as pg.PoolClient);
    let n = 0;
    const batch = async () => {
      const column = <T>(value: () => T) => Array.from({ length: BATCH }, value);
      const emails = column(() => `guest.${n++}@example.com`);
      await client.query('BEGIN');
      await insertAttendees(sql, {
        id: column(() => `att_${randomUUID()}`),
        organisationId: column(() => 'org_bench'),
        eventId: column(() => 'evt_bench'),
        ticketTypeId: column(() => 'tkt_bench'),
        firstName: column(() => FIRST_NAMES[n % FIRST_NAMES.length]!),
        lastName: column(() => LAST_NAMES[Math.floor(n / FIRST_NAMES.length) % LAST_NAMES.length]!),
        email: emails,
        emailNormalized: emails,
        phone: column(() => '+1234567890'),
        country: column(() => 'US'),
        qrToken: column(() => randomUUID()),
        customData: column(() => JSON.stringify({ company: 'Acme Corp', job_title: 'Product Manager' })),
        source: column(() => 'API'),
        testMode: column(() => false),
        apiKeyId: column(() => null),
        importJobId: column(() => null),
        importRow: column(() => null),
        status: column(() => 'REGISTERED'),
        waitlistRank: column(() => null),
        ticketCode: column(() => null),
        accessCodeId: column(() => null),
        accessCode: column(() => null),
      });
      await client.query('COMMIT');
    };
    for (let i = 0; i < 50; i++) await batch();
    const before = cpuMs(rows[0]!.pid);
    for (let i = 0; i < BATCHES; i++) await batch();
    return ((cpuMs(rows[0]!.pid) - before) * 1000) / (BATCHES * BATCH);
  } finally {
    await client.end();
    await admin.query('DROP DATABASE insert_run WITH (FORCE)');
  }
}
