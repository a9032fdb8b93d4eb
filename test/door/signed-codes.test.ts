import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphqlOk, http } from '../support/http.ts';
import { decodeQrPng } from '../support/qr.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

async function register(seed: Seed) {
  const res = await postRegistration(app.url, seed.event.id, registrationBody({ email: `${randomUUID()}@example.com` }), { key: seed.liveKey });
  expect(res.status).toBe(201);
  return res.body as { id: string; qr_token: string; ticket_type_slug: string };
}

async function checkIn(seed: Seed, qrToken: string) {
  return await http<any>(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
    body: JSON.stringify({ qr_token: qrToken }),
  });
}

async function setTicketCodes(seed: Seed, ticketCodes: 'RANDOM' | 'SIGNED') {
  await graphqlOk(app.url, 'mutation($input: UpdateEventInput!) { updateEvent(input: $input) { ticketCodes } }', {
    token: seed.owner.token,
    variables: { input: { id: seed.event.id, ticketCodes } },
  });
}

async function sync(seed: Seed) {
  const { token } = (
    await graphqlOk(app.url, 'mutation($input: CreateScannerDeviceInput!) { createScannerDevice(input: $input) { token } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, name: 'Door' } },
    })
  ).createScannerDevice;
  const res = await http<any>(`${app.url}/v1/scanner/sync`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return { body: res.body, token };
}

/** What a door does offline: the code's Ed25519 signature checked with Node's crypto against a synced key. */
function verifiedOffline(code: string, keys: Array<{ kid: string; alg: string; public_key: string }>) {
  const [prefix, payload, signature] = code.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  const key = keys.find((k) => k.kid === claims.k);
  if (key?.alg !== 'Ed25519') return null;
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.public_key }, format: 'jwk' });
  return verify(null, Buffer.from(`${prefix}.${payload}`, 'ascii'), publicKey, Buffer.from(signature!, 'base64url')) ? claims : null;
}

describe('signed ticket codes', () => {
  it('are issued for SIGNED events, verify offline with the published key, and check in online; earlier attendees keep their tokens', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const before = await register(seed);
    await setTicketCodes(seed, 'SIGNED');
    const signed = await register(seed);
    expect(before.qr_token).toMatch(/^[0-9a-f-]{36}$/);
    expect(signed.qr_token).toMatch(/^eg1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const { body } = await sync(seed);
    expect(body.event.ticket_codes).toBe('signed');
    expect(body.signing_keys).toHaveLength(1);
    expect(body.signing_keys[0]).toEqual({ kid: expect.stringMatching(/^sgk_/), alg: 'Ed25519', public_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const claims = verifiedOffline(signed.qr_token, body.signing_keys);
    const general = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'general' } });
    expect(claims).toEqual({ a: signed.id, e: seed.event.id, t: general.id, k: body.signing_keys[0].kid, i: expect.any(Number) });
    // The device knows the ticket by the hash of what its QR code carries.
    expect(body.attendees.find((a: any) => a.id === signed.id).token_sha256).toBe(createHash('sha256').update(signed.qr_token).digest('hex'));
    expect(body.attendees.find((a: any) => a.id === before.id).token_sha256).toBe(createHash('sha256').update(before.qr_token).digest('hex'));

    // The QR image and the email carry the signed code itself.
    const image = await fetch((signed as unknown as { qr_code_url: string }).qr_code_url);
    expect(decodeQrPng(Buffer.from(await image.arrayBuffer()))).toBe(signed.qr_token);

    const first = await checkIn(seed, signed.qr_token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ attendee: { id: signed.id, status: 'checked_in', qr_token: signed.qr_token }, already_checked_in: false });
    expect(Object.keys(first.body)).toEqual(['attendee', 'already_checked_in']);
    expect((await checkIn(seed, signed.qr_token)).body.already_checked_in).toBe(true);
    expect((await checkIn(seed, before.qr_token)).body.already_checked_in).toBe(false);
  });

  it('refuses forged and altered codes, and revokes a cancelled attendee’s code', async () => {
    const seed = await createSeedShapedEvent(app.deps, { ticketCodes: 'SIGNED' });
    const attendee = await register(seed);
    const [prefix, payload, signature] = attendee.qr_token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const altered = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, a: 'att_01jd9zzzzzzzzzzzzzzzzzzzzz' })).toString('base64url')}.${signature}`;
    const forged = `${prefix}.${payload}.${Buffer.alloc(64, 7).toString('base64url')}`;
    for (const code of [altered, forged, 'eg1.garbage', `${attendee.qr_token}x`]) {
      const res = await checkIn(seed, code);
      expect(res.status, code).toBe(404);
      expect(res.body).toEqual({ error: 'not_found', message: 'Ticket not found.' });
    }
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } })).status).toBe('REGISTERED');

    await app.deps.prisma.attendee.update({ where: { id: attendee.id }, data: { status: 'CANCELLED' } });
    const refused = await checkIn(seed, attendee.qr_token);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual({ qr_token: ['This registration has been cancelled.'] });
    const { body, token } = await sync(seed);
    expect(body.revoked_codes).toEqual([attendee.qr_token]);

    const upload = await http<any>(`${app.url}/v1/scanner/scans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        scans: [
          { nonce: 'n1', qr_token: attendee.qr_token, scanned_at: new Date().toISOString(), offline: true },
          { nonce: 'n2', qr_token: forged, scanned_at: new Date().toISOString(), offline: true },
        ],
      }),
    });
    expect(upload.body.results.map((r: any) => [r.outcome, r.reason])).toEqual([
      ['rejected', 'cancelled'],
      ['rejected', 'invalid_code'],
    ]);
  });

  it('keeps old codes valid after a key rotation until the old key is retired', async () => {
    const seed = await createSeedShapedEvent(app.deps, { ticketCodes: 'SIGNED' });
    const old = await register(seed);
    const rotated = await graphqlOk(app.url, 'mutation { rotateTicketSigningKey { id publicKey rotatedAt } }', { token: seed.owner.token });
    const fresh = await register(seed);
    const kid = (code: string) => JSON.parse(Buffer.from(code.split('.')[1]!, 'base64url').toString('utf8')).k;
    expect(kid(fresh.qr_token)).toBe(rotated.rotateTicketSigningKey.id);
    expect(kid(old.qr_token)).not.toBe(rotated.rotateTicketSigningKey.id);

    const { body } = await sync(seed);
    expect(body.signing_keys.map((k: any) => k.kid).sort()).toEqual([kid(old.qr_token), kid(fresh.qr_token)].sort());
    expect(verifiedOffline(old.qr_token, body.signing_keys)).not.toBeNull();
    expect(verifiedOffline(fresh.qr_token, body.signing_keys)).not.toBeNull();
    expect((await checkIn(seed, old.qr_token)).status).toBe(200);

    await graphqlOk(app.url, 'mutation($input: RetireTicketSigningKeyInput!) { retireTicketSigningKey(input: $input) { retiredAt } }', {
      token: seed.owner.token,
      variables: { input: { id: kid(old.qr_token) } },
    });
    // The retired key's codes no longer verify, online or on devices (which stop receiving it); the current one's do.
    const afterRetire = await checkIn(seed, old.qr_token);
    expect(afterRetire.status).toBe(404);
    expect((await checkIn(seed, fresh.qr_token)).status).toBe(200);
    expect((await sync(seed)).body.signing_keys.map((k: any) => k.kid)).toEqual([kid(fresh.qr_token)]);
  });
});
