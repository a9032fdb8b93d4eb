import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { type Subscription, subscribeWs } from '../support/subscriptions.ts';

/**
 * Security round two, item 2's second half: a change is re-read once per event and process, not once per
 * subscriber. Twenty subscribers asking for the attendee with its ticket type and event cost the same statements as
 * one.
 */
let app: TestApp;
let counted: TestApp;
const statements: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
  // A second process on the same database whose every statement is counted; the subscribers are its.
  counted = await startTestApp({}, { databaseUrl: app.databaseUrl, onQuery: (query) => statements.push(query) });
});
afterAll(async () => {
  await counted?.close();
  await app?.stop();
});

const QUERY =
  'subscription ($id: ID!) { checkIns(eventId: $id) { checkedInAt attendee { id firstName ticketType { name } event { name } } stats { checkedIn } } }';

async function fanOut(subscribers: number): Promise<number> {
  const seed = await createSeedShapedEvent(app.deps);
  const subscriptions: Subscription<any>[] = [];
  for (let i = 0; i < subscribers; i++)
    subscriptions.push(await subscribeWs(counted.url, QUERY, { variables: { id: seed.event.id }, token: seed.owner.token }));
  const guest = (await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).body as { qr_token: string };
  statements.length = 0;
  // Checked in on the other process: this one only hears of it (NOTIFY) and delivers.
  await fetch(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
    body: JSON.stringify({ qr_token: guest.qr_token }),
  });
  for (const s of subscriptions) await s.nth(1);
  const delivered = subscriptions.map((s) => s.values[0].checkIns.attendee.ticketType.name);
  expect(new Set(delivered)).toEqual(new Set(['General Admission']));
  const reads = statements.filter((q) => /^\s*SELECT/i.test(q)).length;
  for (const s of subscriptions) await s.close();
  return reads;
}

describe('live fan-out', () => {
  it('reads a change once for every subscriber of the event, whatever their number', { timeout: 60_000 }, async () => {
    const one = await fanOut(1);
    const twenty = await fanOut(20);
    console.info(`statements to deliver one check-in: 1 subscriber ${one}, 20 subscribers ${twenty}`);
    expect(twenty).toBe(one);
  });
});
