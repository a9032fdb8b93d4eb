import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphqlOk } from '../support/http.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * #33 item 8: the daily retention run is resumable (500 erasures per transaction), so a worker killed in the middle
 * of it must not leave the rest of the personal data in place for long: another worker takes the run up within a
 * minute (it took 11 minutes with a 60 s heartbeat and a 600 s retry delay) and finishes it.
 */
const ATTENDEES = 3_000;
let admin: TestApp;
let resumer: TestApp | null = null;
let killed: ServerProcess | null = null;

beforeAll(async () => {
  admin = await startTestApp({ ROLE: 'api', API_RATE_LIMIT_PER_MIN: '100000' });
}, 60_000);
afterAll(async () => {
  if (killed?.child.exitCode === null) killed.child.kill('SIGKILL');
  await resumer?.close();
  await admin?.stop();
});

describe('a worker killed during the retention run', () => {
  it('another takes the run up within a minute and erases everyone due', async () => {
    const seed = await createSeedShapedEvent(admin.deps);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < ATTENDEES) {
          next++;
          expect((await postRegistration(admin.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
        }
      }),
    );
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    await admin.deps.prisma.event.update({ where: { id: seed.event.id }, data: { startsAt: daysAgo(41), endsAt: daysAgo(40) } });
    await graphqlOk(admin.url, 'mutation { updateOrganisation(input: {retentionDays: 30}) { retentionDays } }', { token: seed.owner.token });
    const erased = async () => await admin.deps.prisma.attendee.count({ where: { eventId: seed.event.id, erasedAt: { not: null } } });

    killed = spawnServer({ DATABASE_URL: admin.databaseUrl, SECRET_KEY: TEST_SECRET_KEY, ROLE: 'worker', PORT: '0' });
    await killed.waitFor(/EventoGate is running/);
    const jobId = await admin.deps.boss.send('privacy.retention', {});
    // Killed once its first transaction of erasures committed, with the rest still to do.
    await expect.poll(erased, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    killed.child.kill('SIGKILL');
    await killed.exited();
    const killedAt = performance.now();
    const left = ATTENDEES - (await erased());
    expect(left).toBeGreaterThan(0);

    resumer = await startTestApp({ ROLE: 'worker' }, { databaseUrl: admin.databaseUrl });
    await expect.poll(erased, { timeout: 60_000, interval: 200 }).toBe(ATTENDEES);
    const resumedWithin = performance.now() - killedAt;
    console.log(`retention resumed and finished ${Math.round(resumedWithin)} ms after the kill (${left} attendees left then)`);
    expect(resumedWithin).toBeLessThan(60_000);
    await expect.poll(async () => (await admin.deps.boss.getJobById('privacy.retention', jobId!))?.state, { timeout: 10_000 }).toBe('completed');
  }, 180_000);
});
