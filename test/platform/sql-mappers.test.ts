import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolSql } from '../../src/db/sql.ts';
import { ATTENDEE_COLUMNS, ATTENDEE_SELECT, attendeeFromRow, findEventAttendee, pageAttendeeRows } from '../../src/modules/attendees/attendees.sql.ts';
import { insertScans, lockAttendees, type ScanRow, updateDoorAttendees } from '../../src/modules/door/door.sql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * Every hand-written row mapper (plain SQL for the hot paths: src/db/sql.ts) against Prisma's model on the same
 * row: a column the mapper reads wrong, forgets, or a new column it does not name, fails here.
 */
let app: TestApp;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;
let attendeeId: string;

beforeAll(async () => {
  app = await startTestApp();
  seed = await createSeedShapedEvent(app.deps);
  const res = await postRegistration(app.url, seed.event.id, registrationBody({ phone: '+441234', country: 'GB', custom_data: { company: 'Acme' } }), {
    key: seed.liveKey,
  });
  expect(res.status).toBe(201);
  attendeeId = res.body.id;
  // Columns no registration sets, so every comparison covers non-null values everywhere.
  const job = await app.deps.prisma.importJob.create({
    data: { id: 'imp_mapper', organisationId: seed.owner.organisationId, eventId: seed.event.id, csv: '' },
  });
  const zone = await app.deps.prisma.zone.create({
    data: { id: 'zon_mapper', organisationId: seed.owner.organisationId, eventId: seed.event.id, name: 'Hall' },
  });
  const code = await app.deps.prisma.accessCode.create({
    data: { id: 'acc_mapper', eventId: seed.event.id, code: 'MAPPER', codeNormalized: 'mapper' },
  });
  await app.deps.prisma.attendee.update({
    where: { id: attendeeId },
    data: {
      accessCodeId: code.id,
      accessCode: code.code,
      status: 'CHECKED_IN',
      checkedInAt: new Date(),
      importJobId: job.id,
      importRow: 7,
      currentZoneId: zone.id,
      ticketCode: 'eg1.mapper.test',
      erasedAt: new Date(),
      waitlistRank: 9_007_199_254_740_993n,
      offerExpiresAt: new Date(),
    },
  });
}, 60_000);
afterAll(async () => {
  await app?.stop();
});

describe('attendee rows read with plain SQL', () => {
  it('attendeeFromRow equals prisma.attendee.findUnique for every column, and ATTENDEE_COLUMNS names every column of the table', async () => {
    const { rows } = await app.deps.pool.query(`SELECT ${ATTENDEE_SELECT} FROM attendees WHERE id = $1`, [attendeeId]);
    const viaPrisma = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendeeId } });
    expect(Object.values(viaPrisma).every((v) => v !== null)).toBe(true);
    expect(attendeeFromRow(rows[0])).toEqual(viaPrisma);

    const { rows: columns } = await app.deps.pool.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'attendees' AND column_name NOT LIKE 'rolling_%'",
    );
    expect([...ATTENDEE_COLUMNS].sort()).toEqual(columns.map((c) => c.column_name).sort());
  });

  it('the read service (one attendee, a page of every column) equals Prisma', async () => {
    const viaPrisma = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendeeId } });
    const sql = poolSql(app.deps);
    expect(await findEventAttendee(sql, { id: attendeeId, eventId: seed.event.id, testMode: false })).toEqual(viaPrisma);
    const page = await pageAttendeeRows(sql, { filter: { eventId: seed.event.id, testMode: false }, order: 'REGISTERED_AT_ASC', take: 10, columns: 'all' });
    expect(page?.map(attendeeFromRow)).toEqual([viaPrisma]);
  });

  it("the door's locked and updated rows (RETURNING) equal Prisma after the change", async () => {
    const viaPrisma = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendeeId } });
    const { locked, updated } = await app.deps.db.sqlTransaction(async (sql) => {
      const locked = await lockAttendees(sql, { qrTokens: [], ticketCodes: [], ids: [attendeeId] });
      const updated = await updateDoorAttendees(sql, [
        { id: attendeeId, status: 'CHECKED_IN', checkedInAt: viaPrisma.checkedInAt, zoneId: viaPrisma.currentZoneId },
      ]);
      return { locked, updated };
    });
    expect(locked).toEqual([viaPrisma]);
    const after = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendeeId } });
    expect(after.syncTxid).not.toBe(viaPrisma.syncTxid);
    expect(updated).toEqual([after]);
  });
});

describe('scan rows written with plain SQL', () => {
  it('insertScans writes every field where Prisma reads it', async () => {
    const row: ScanRow = {
      id: 'scn_mapper',
      organisationId: seed.owner.organisationId,
      eventId: seed.event.id,
      attendeeId,
      deviceId: null,
      zoneId: 'zon_mapper',
      direction: 'IN',
      outcome: 'DUPLICATE',
      reason: 'already_checked_in',
      movement: 'entered',
      scannedAt: new Date('2030-01-01T10:00:00.123Z'),
      nonce: 'nonce-mapper',
      payloadHash: 'hash-mapper',
      offline: true,
      testMode: false,
      source: 'api',
      firstScanAt: new Date('2030-01-01T09:00:00.456Z'),
      firstScanDeviceId: null,
      deviceOutcome: 'accepted',
    };
    await insertScans(poolSql(app.deps), [row]);
    const viaPrisma = await app.deps.prisma.scan.findUniqueOrThrow({ where: { id: row.id } });
    const { receivedAt, ...written } = viaPrisma;
    expect(receivedAt).toBeInstanceOf(Date);
    expect(written).toEqual(row);
  });
});
