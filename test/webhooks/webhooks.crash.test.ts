import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { freePort } from '../support/net.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

let admin: TestApp;
let receiver: WebhookReceiver;
const servers: ServerProcess[] = [];
beforeAll(async () => {
  // An API-only process to seed data and read the database; the server under test runs as its own process.
  admin = await startTestApp({ ROLE: 'api', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  receiver = await new WebhookReceiver().start();
  // A receiver slow enough that deliveries are still pending when the server dies.
  receiver.respond = () => ({ status: 200, delayMs: 30 });
});
afterAll(async () => {
  for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  await receiver?.stop();
  await admin?.stop();
});

describe('a server killed with SIGKILL loses no webhook', () => {
  it('every committed registration of a 500-registration burst gets its webhook after a restart', async () => {
    const seed = await createSeedShapedEvent(admin.deps);
    await createEndpoint(admin.deps, seed.owner.actor, `${receiver.url}/crash`);
    const env = { DATABASE_URL: admin.databaseUrl, SECRET_KEY: TEST_SECRET_KEY, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', API_RATE_LIMIT_PER_MIN: '100000' };
    const port = await freePort();
    const first = spawnServer({ ...env, PORT: String(port) });
    servers.push(first);
    await first.waitFor(/EventoGate is running/);

    // 500 registrations, 16 at a time; kill the server once 150 have been answered.
    const url = `http://127.0.0.1:${port}`;
    let answered = 0;
    let next = 0;
    const client = async () => {
      while (next < 500) {
        next++;
        const res = await postRegistration(url, seed.event.id, registrationBody(), { key: seed.liveKey }).catch(() => null);
        if (res?.status === 201 && ++answered === 150) first.child.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    await first.exited();

    // Whatever committed (answered or not) must be delivered.
    const committed = await admin.deps.prisma.attendee.findMany({ where: { eventId: seed.event.id }, select: { id: true } });
    expect(committed.length).toBeGreaterThanOrEqual(150);
    const deliveredBeforeRestart = new Set(receiver.on('/crash').map((r) => r.json.attendee_id));
    expect(deliveredBeforeRestart.size).toBeLessThan(committed.length);

    const second = spawnServer({ ...env, PORT: String(await freePort()) });
    servers.push(second);
    await second.waitFor(/EventoGate is running/);
    const expected = new Set(committed.map((a) => a.id));
    await receiver.waitFor(() => {
      const delivered = new Set(receiver.on('/crash').map((r) => r.json.attendee_id));
      return [...expected].every((id) => delivered.has(id));
    }, 60_000);

    // Duplicates are allowed (at-least-once), but always under the same delivery id per attendee.
    const deliveryIds = new Map<string, Set<string>>();
    for (const hit of receiver.on('/crash')) {
      const ids = deliveryIds.get(hit.json.attendee_id as string) ?? new Set();
      ids.add(String(hit.headers['x-eventogate-delivery']));
      deliveryIds.set(hit.json.attendee_id as string, ids);
    }
    for (const ids of deliveryIds.values()) expect(ids.size).toBe(1);
    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);
  }, 120_000);
});
