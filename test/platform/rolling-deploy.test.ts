import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
