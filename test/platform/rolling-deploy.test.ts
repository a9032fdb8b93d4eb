import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTENDEE_COLUMNS, ATTENDEE_SELECT, attendeeFromRow } from '../../src/modules/attendees/attendees.sql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

async function scan(eventId: string, key: string, qrToken: string) {
  return await http<any>(`${app.url}/v1/events/${eventId}/check-ins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ qr_token: qrToken }),
  });
}

describe('a newer version adds columns while this one serves (rolling deploy)', () => {
  it('keeps registering and checking in: no 5xx from statements prepared before the change', async () => {
    const seed = await createSeedShapedEvent(app.deps, { capacity: 1_000 });
    const round = async (n: number) => {
      const registered = await Promise.all(
        Array.from({ length: n }, () => postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })),
      );
      const scanned = await Promise.all(registered.map((r) => scan(seed.event.id, seed.liveKey, r.body.qr_token)));
      return { registered: registered.map((r) => r.status), scanned: scanned.map((r) => r.status) };
    };
    // Every pooled connection prepares the hot-path statements.
    expect(await round(60)).toEqual({ registered: Array(60).fill(201), scanned: Array(60).fill(200) });

    // What a start-up migration of the next version does, on the shared database.
    await app.deps.pool.query('ALTER TABLE attendees ADD COLUMN rolling_note text');
    await app.deps.pool.query('ALTER TABLE events ADD COLUMN rolling_flag boolean NOT NULL DEFAULT false');
    await app.deps.pool.query('ALTER TABLE ticket_types ADD COLUMN rolling_rank int');

    expect(await round(60)).toEqual({ registered: Array(60).fill(201), scanned: Array(60).fill(200) });
  });
});

describe('the plain-SQL row mapper and Prisma read attendees alike', () => {
  it('attendeeFromRow equals prisma.attendee.findUnique for every column, and names every column of the table', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const res = await postRegistration(app.url, seed.event.id, registrationBody({ phone: '+441234', country: 'GB', custom_data: { company: 'Acme' } }), {
      key: seed.liveKey,
    });
    expect(res.status).toBe(201);
    await scan(seed.event.id, seed.liveKey, res.body.qr_token);
    // Columns no registration path sets yet, so the comparison covers non-null values everywhere.
    const job = await app.deps.prisma.importJob.create({
      data: { id: 'imp_mapper', organisationId: seed.owner.organisationId, eventId: seed.event.id, csv: '' },
    });
    const zone = await app.deps.prisma.zone.create({
      data: { id: 'zon_mapper', organisationId: seed.owner.organisationId, eventId: seed.event.id, name: 'Hall' },
    });
    await app.deps.prisma.attendee.update({
      where: { id: res.body.id },
      data: { importJobId: job.id, importRow: 7, currentZoneId: zone.id, ticketCode: 'eg1.mapper.test', erasedAt: new Date() },
    });

    const { rows } = await app.deps.pool.query(`SELECT ${ATTENDEE_SELECT} FROM attendees WHERE id = $1`, [res.body.id]);
    const viaPrisma = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(Object.values(viaPrisma).every((v) => v !== null)).toBe(true);
    expect(attendeeFromRow(rows[0])).toEqual(viaPrisma);

    const { rows: columns } = await app.deps.pool.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'attendees' AND column_name NOT LIKE 'rolling_%'",
    );
    expect([...ATTENDEE_COLUMNS].sort()).toEqual(columns.map((c) => c.column_name).sort());
  });
});
