import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { untilWebhooksSettled } from '../support/jobs.ts';
import { decodeQrPng } from '../support/qr.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

async function pair(seed: Seed, name = 'Door 1', zoneId?: string) {
  const data = await graphqlOk(
    app.url,
    'mutation($input: CreateScannerDeviceInput!) { createScannerDevice(input: $input) { token pairingUrl pairingQrDataUrl pairingQrSvg device { id name tokenPrefix zone { id } } } }',
    { token: seed.owner.token, variables: { input: { eventId: seed.event.id, name, zoneId } } },
  );
  return data.createScannerDevice as {
    token: string;
    pairingUrl: string;
    pairingQrDataUrl: string;
    pairingQrSvg: string;
    device: { id: string; name: string; tokenPrefix: string };
  };
}

function asDevice(token: string, path: string, init: { method?: string; body?: unknown } = {}) {
  return http<any>(`${app.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
}

async function register(seed: Seed) {
  const res = await postRegistration(app.url, seed.event.id, registrationBody({ email: `${randomUUID()}@example.com` }), { key: seed.liveKey });
  expect(res.status).toBe(201);
  return res.body as { id: string; qr_token: string; first_name: string; last_name: string };
}

const upload = (token: string, scans: unknown[]) => asDevice(token, '/v1/scanner/scans', { method: 'POST', body: { scans } });
const offlineScan = (qrToken: string, at: Date, extra: Record<string, unknown> = {}) => ({
  nonce: randomUUID(),
  qr_token: qrToken,
  scanned_at: at.toISOString(),
  offline: true,
  ...extra,
});

async function scanRows(eventId: string): Promise<number> {
  return (await app.deps.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM scans WHERE event_id = $1', [eventId])).rows[0]!.n;
}

describe('scanner devices', () => {
  it('are paired with a token shown once and stored hashed; the token works on its scanner routes only, until revoked', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { token, pairingUrl, pairingQrDataUrl, pairingQrSvg, device } = await pair(seed);
    // The dashboard can show the pairing link as a QR code for a phone to scan.
    expect(decodeQrPng(Buffer.from(pairingQrDataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'))).toBe(pairingUrl);
    // …or as an SVG document, the same code at any size (the dashboard's browser test decodes it as rendered).
    expect(pairingQrSvg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* viewBox="0 0 \d+ \d+"[^>]*>.*<path[^>]* d="M[^"]+".*<\/svg>\n?$/s);
    expect(token).toMatch(/^eg_dev_[A-Za-z0-9_-]{43}$/);
    expect(pairingUrl).toBe(`${app.deps.config.publicUrl}/scan#device=${token}`);
    expect(device.id).toMatch(/^dev_/);
    expect(token.startsWith(device.tokenPrefix)).toBe(true);
    const stored = await app.deps.prisma.scannerDevice.findUniqueOrThrow({ where: { id: device.id } });
    expect(stored.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);

    expect((await asDevice(token, '/v1/scanner/sync')).status).toBe(200);
    // Nothing else: REST with an API key's routes, the public form, GraphQL.
    for (const [method, path] of [
      ['GET', `/v1/events/${seed.event.id}/registrations`],
      ['POST', `/v1/events/${seed.event.id}/registrations`],
      ['POST', `/v1/events/${seed.event.id}/check-ins`],
      ['GET', `/v1/events/${seed.event.id}/registrations.csv`],
      ['GET', `/v1/events/${seed.event.id}/scan-conflicts`],
    ] as const) {
      const res = await asDevice(token, path, { method, ...(method === 'POST' ? { body: {} } : {}) });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
    }
    const viaGraphQL = await graphql(app.url, '{ viewer { organisation { id } } }', { token });
    expect(viaGraphQL.data?.viewer ?? null).toBeNull();
    const events = await graphql(app.url, '{ events { totalCount } }', { token });
    expect(events.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const listed = await graphqlOk(app.url, 'query($id: ID!) { scannerDevices(eventId: $id) { id name lastSeenAt pendingUploads revokedAt } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    expect(listed.scannerDevices).toEqual([{ id: device.id, name: 'Door 1', lastSeenAt: expect.any(String), pendingUploads: 0, revokedAt: null }]);
    expect((await asDevice(token, '/v1/scanner/sync?pending=7')).status).toBe(200);
    expect((await app.deps.prisma.scannerDevice.findUniqueOrThrow({ where: { id: device.id } })).pendingUploads).toBe(7);

    await graphqlOk(app.url, 'mutation($input: RevokeScannerDeviceInput!) { revokeScannerDevice(input: $input) { revokedAt } }', {
      token: seed.owner.token,
      variables: { input: { id: device.id } },
    });
    const revoked = await asDevice(token, '/v1/scanner/sync');
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual({ error: 'unauthenticated', message: 'Invalid or revoked device token. Pair the device again.' });
    expect((await http<any>(`${app.url}/v1/scanner/sync`)).body.message).toBe('Device token required. Pass it as: Authorization: Bearer <device token>');
    // An API key is not a device token either.
    expect((await asDevice(seed.liveKey, '/v1/scanner/sync')).status).toBe(401);
  });

  it('only decides tickets of its own event', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { createTestEvent } = await import('../support/factories.ts');
    const otherEvent = await createTestEvent(app.deps, seed.owner.actor, { name: 'Other' });
    const elsewhere = await postRegistration(app.url, otherEvent.id, registrationBody(), { key: seed.liveKey });
    const strangers = await createSeedShapedEvent(app.deps);
    const foreign = await register(strangers);
    const { token } = await pair(seed);
    const res = await upload(token, [offlineScan((elsewhere.body as any).qr_token, new Date()), offlineScan(foreign.qr_token, new Date())]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => [r.outcome, r.reason, r.attendee_id])).toEqual([
      ['rejected', 'other_event', null],
      ['rejected', 'unknown_ticket', null],
    ]);
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: foreign.id } })).status).toBe('REGISTERED');
  });

  it('syncs in pages with the minimum personal data, then only what changed, with tombstones for deletions', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { token } = await pair(seed);
    const someone = await register(seed);
    // 5,010 more, written straight into the table (the same columns registration writes).
    const general = (await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'general' } })).id;
    const ids = Array.from({ length: 5_010 }, () => newId('attendee'));
    await app.deps.pool.query(
      `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, qr_token, source, updated_at)
       SELECT id, $2, $3, $4, 'Bulk', 'Person ' || n, 'bulk' || n || '@example.com', 'bulk' || n || '@example.com', gen_random_uuid(), 'IMPORT', now()
       FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)`,
      [ids, seed.owner.organisationId, seed.event.id, general],
    );

    const first = await asDevice(token, '/v1/scanner/sync');
    expect(first.status).toBe(200);
    expect(Object.keys(first.body)).toEqual([
      'event',
      'device',
      'devices',
      'zones',
      'ticket_types',
      'signing_keys',
      'revoked_codes',
      'attendees',
      'cursor',
      'has_more',
    ]);
    expect(first.body.event).toMatchObject({ id: seed.event.id, name: seed.event.name, ticket_codes: 'random' });
    expect(first.body.ticket_types.map((t: any) => t.slug)).toEqual(['general', 'vip']);
    expect(first.body.attendees).toHaveLength(5_000);
    expect(first.body.has_more).toBe(true);
    const mine = first.body.attendees.find((a: any) => a.id === someone.id);
    expect(mine).toEqual({
      id: someone.id,
      token_sha256: createHash('sha256').update(someone.qr_token).digest('hex'),
      first_name: someone.first_name,
      last_name: someone.last_name,
      ticket_type: 'General Admission',
      status: 'registered',
      checked_in_at: null,
      zone_id: null,
      deleted: false,
    });
    expect(JSON.stringify(first.body)).not.toMatch(/@example\.com|qr_token|"phone"|custom_data/);

    const second = await asDevice(token, `/v1/scanner/sync?cursor=${first.body.cursor}`);
    expect(second.body.attendees).toHaveLength(11);
    expect(second.body.has_more).toBe(false);
    const seen = new Set([...first.body.attendees, ...second.body.attendees].map((a: any) => a.id));
    expect(seen.size).toBe(5_011);

    // Nothing changed: nothing sent. Then a check-in and a deletion come through, and nothing else.
    const idle = await asDevice(token, `/v1/scanner/sync?cursor=${second.body.cursor}`);
    expect(idle.body.attendees).toEqual([]);
    const checked = await http<any>(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
      body: JSON.stringify({ qr_token: someone.qr_token }),
    });
    expect(checked.status).toBe(200);
    await app.deps.pool.query('DELETE FROM attendees WHERE id = $1', [ids[0]]);
    const delta = await asDevice(token, `/v1/scanner/sync?cursor=${idle.body.cursor}`);
    expect(delta.body.attendees).toEqual([
      expect.objectContaining({ id: someone.id, status: 'checked_in', checked_in_at: expect.stringMatching(/Z$/), deleted: false }),
      { id: ids[0], deleted: true },
    ]);

    const bad = await asDevice(token, '/v1/scanner/sync?cursor=not-a-cursor');
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual({ cursor: ['The cursor is invalid. Start again without one.'] });
  });
});

describe('offline upload', () => {
  it('is idempotent per device and nonce: the same scan twice gets the same answer and one row', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { token, device } = await pair(seed);
    const attendee = await register(seed);
    const seenAt = new Date(Date.now() - 60_000);
    const scan = offlineScan(attendee.qr_token, seenAt);
    const first = await upload(token, [scan]);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ results: [{ nonce: scan.nonce, outcome: 'accepted', reason: null, attendee_id: attendee.id, first_scan: null }] });
    const again = await upload(token, [{ ...scan }]);
    expect(again.body).toEqual(first.body);
    const rows = await app.deps.prisma.scan.findMany({ where: { deviceId: device.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ offline: true, outcome: 'ACCEPTED', source: 'device', nonce: scan.nonce });
    // The attendee was checked in when the device saw the ticket, not when the upload arrived.
    const row = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } });
    expect(row.checkedInAt?.toISOString()).toBe(seenAt.toISOString());

    // The same nonce for another scan: refused, nothing written.
    const other = await register(seed);
    const reused = await upload(token, [{ ...scan, qr_token: other.qr_token }]);
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ message: 'The given data was invalid.', errors: { 'scans.0.nonce': ['This nonce was already used for another scan.'] } });
    expect(await app.deps.prisma.scan.count({ where: { deviceId: device.id } })).toBe(1);
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: other.id } })).status).toBe('REGISTERED');
  });

  it('two devices letting the same ticket in offline: one accepted, one duplicate naming the first, and a conflict listing both', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/all-default`);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/conflicts`, { triggers: ['ATTENDEE_SCAN_CONFLICT'] });
    const north = await pair(seed, 'North door');
    const south = await pair(seed, 'South door');
    const copied = await register(seed);
    const honest = await register(seed);
    const t0 = Date.now() - 10 * 60_000;

    const a = await upload(north.token, [offlineScan(copied.qr_token, new Date(t0)), offlineScan(honest.qr_token, new Date(t0 + 1_000))]);
    const b = await upload(south.token, [offlineScan(copied.qr_token, new Date(t0 + 30_000))]);
    expect(a.body.results.map((r: any) => r.outcome)).toEqual(['accepted', 'accepted']);
    expect(b.body.results).toEqual([
      {
        nonce: expect.any(String),
        outcome: 'duplicate',
        reason: 'already_checked_in',
        attendee_id: copied.id,
        first_scan: { scanned_at: new Date(t0).toISOString(), device_id: north.device.id },
      },
    ]);

    const rest = await http<any>(`${app.url}/v1/events/${seed.event.id}/scan-conflicts`, { headers: { authorization: `Bearer ${seed.liveKey}` } });
    expect(rest.status).toBe(200);
    expect(rest.body).toEqual({
      data: [
        {
          attendee_id: copied.id,
          scans: [
            { scan_id: expect.stringMatching(/^scn_/), device_id: north.device.id, scanned_at: new Date(t0).toISOString(), outcome: 'accepted' },
            { scan_id: expect.stringMatching(/^scn_/), device_id: south.device.id, scanned_at: new Date(t0 + 30_000).toISOString(), outcome: 'duplicate' },
          ],
        },
      ],
    });
    // Another organisation's key is refused; this organisation's test key sees its own (test) mode: none.
    const stranger = await createSeedShapedEvent(app.deps);
    const foreign = await http<any>(`${app.url}/v1/events/${seed.event.id}/scan-conflicts`, { headers: { authorization: `Bearer ${stranger.liveKey}` } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe('forbidden');
    const sandbox = await http<any>(`${app.url}/v1/events/${seed.event.id}/scan-conflicts`, { headers: { authorization: `Bearer ${seed.testKey}` } });
    expect(sandbox.body).toEqual({ data: [] });
    const gql = await graphqlOk(app.url, 'query($id: ID!) { scanConflicts(eventId: $id) { attendee { id } scans { device { name } outcome offline } } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    expect(gql.scanConflicts).toEqual([
      {
        attendee: { id: copied.id },
        scans: [
          { device: { name: 'North door' }, outcome: 'ACCEPTED', offline: true },
          { device: { name: 'South door' }, outcome: 'DUPLICATE', offline: true },
        ],
      },
    ]);

    // attendee.scan_conflict is opt-in: only the endpoint that asked for it hears of the copy.
    await untilWebhooksSettled(app);
    expect(receiver.on('/conflicts').map((r) => r.json.trigger)).toEqual(['attendee.scan_conflict']);
    expect(
      receiver
        .on('/all-default')
        .map((r) => r.json.trigger)
        .sort(),
    ).toEqual(['attendee.checked_in', 'attendee.checked_in', 'attendee.registered', 'attendee.registered']);
  });

  it('refuses malformed uploads whole, naming the scan and the field, and writes nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const other = await createSeedShapedEvent(app.deps);
    const foreignZone = (
      await graphqlOk(app.url, 'mutation($input: CreateZoneInput!) { createZone(input: $input) { id } }', {
        token: other.owner.token,
        variables: { input: { eventId: other.event.id, name: 'Theirs' } },
      })
    ).createZone.id;
    const { token } = await pair(seed);
    const attendee = await register(seed);
    const good = offlineScan(attendee.qr_token, new Date());
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [
        { scans: Array.from({ length: 501 }, () => offlineScan(attendee.qr_token, new Date())) },
        { scans: ['The scans field must not have more than 500 items.'] },
      ],
      [{ scans: [] }, { scans: ['The scans field must have at least 1 items.'] }],
      [{ scans: [good, { ...good, nonce: undefined }] }, { 'scans.1.nonce': ['The nonce field is required.'] }],
      [{ scans: [{ ...good, scanned_at: 'yesterday' }] }, { 'scans.0.scanned_at': ['The scanned at field must be a valid ISO 8601 date and time.'] }],
      [
        { scans: [{ ...good, scanned_at: new Date(Date.now() + 3_600_000).toISOString() }] },
        { 'scans.0.scanned_at': ['The scanned at field must not be in the future.'] },
      ],
      [{ scans: [good, { ...good, zone_id: foreignZone, nonce: randomUUID() }] }, { 'scans.1.zone_id': ['The selected zone id is invalid.'] }],
      [{ scans: [good, { ...good, qr_token: randomUUID() }] }, { 'scans.1.nonce': ['This nonce was already used for another scan.'] }],
      [{ scans: [{ ...good, extra: 1 }] }, { 'scans.0.extra': ['The extra field is prohibited.'] }],
      [
        { scans: [{ ...good, attendee_id: attendee.id }] },
        { 'scans.0.qr_token': ['The qr token field is required (or, for a scan by name, attendee_id instead).'] },
      ],
    ];
    for (const [body, errors] of cases) {
      const res = await asDevice(token, '/v1/scanner/scans', { method: 'POST', body });
      expect(res.status, JSON.stringify(errors)).toBe(422);
      expect(res.body).toEqual({ message: 'The given data was invalid.', errors });
    }
    expect(await scanRows(seed.event.id)).toBe(0);
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } })).status).toBe('REGISTERED');
  });
});
