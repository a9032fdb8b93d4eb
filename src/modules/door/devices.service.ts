import { z } from 'zod';
import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { ScannerDevice } from '../../generated/prisma/client.ts';
import type { DeviceActor } from '../../lib/actor.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '../../lib/crypto.ts';
import { AppError, invalidField, notFound, notYours } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { entityId } from '../../lib/schemas.ts';
import { parseInput } from '../../lib/validation.ts';
import { findAuthorizedEvent } from '../events/index.ts';
import { deviceNotRevoked, touchDevice } from './door.sql.ts';

const CreateScannerDeviceInput = z.strictObject({ eventId: entityId, name: z.string().trim().min(1).max(100), zoneId: entityId.nullish() });
const DeviceIdInput = z.strictObject({ id: entityId });

export const DEVICE_TOKEN_PREFIX = 'eg_dev_';

export interface CreatedScannerDevice {
  device: ScannerDevice;
  token: string;
  pairingUrl: string;
}

/**
 * A door device for one event (owners and admins). Its token (eg_dev_…) is shown once, stored as SHA-256, and
 * works only on /v1/scanner/* for that event; `pairingUrl` opens the scanner page already paired.
 */
export async function createScannerDevice(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CreatedScannerDevice> {
  const input = parseInput(CreateScannerDeviceInput, options.input);
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: input.eventId, permission: 'door:manage' });
  let zoneId: string | null = null;
  if (input.zoneId) {
    zoneId = parseId('zone', input.zoneId);
    const zone = zoneId ? await deps.prisma.zone.findUnique({ where: { id: zoneId } }) : null;
    if (!zone || zone.eventId !== event.id) throw invalidField('zoneId', 'The selected zone id is invalid.');
  }
  const token = `${DEVICE_TOKEN_PREFIX}${randomToken(32)}`;
  const device = await deps.prisma.scannerDevice.create({
    data: {
      id: newId('scannerDevice'),
      organisationId: event.organisationId,
      eventId: event.id,
      zoneId,
      name: input.name,
      tokenHash: sha256Hex(token),
      tokenPrefix: token.slice(0, DEVICE_TOKEN_PREFIX.length + 6),
    },
  });
  return { device, token, pairingUrl: pairingUrl(deps, token) };
}

export function pairingUrl(deps: Pick<Deps, 'config'>, token: string): string {
  return `${deps.config.publicUrl}/scan#device=${token}`;
}

/** Ends the device's access at once: every request re-reads the token (no cache to outlive it). */
export async function revokeScannerDevice(deps: Deps, options: { actor: Actor; input: unknown }): Promise<ScannerDevice> {
  const input = parseInput(DeviceIdInput, options.input);
  const device = await findAuthorizedDevice(deps, options.actor, input.id);
  return await deps.prisma.scannerDevice.update({ where: { id: device.id }, data: { revokedAt: device.revokedAt ?? deps.clock.now() } });
}

export async function listScannerDevices(deps: Deps, options: { actor: Actor; eventId: string }): Promise<ScannerDevice[]> {
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'door:manage' });
  return await deps.prisma.scannerDevice.findMany({ where: { eventId: event.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

async function findAuthorizedDevice(deps: Deps, actor: Actor, rawId: string): Promise<ScannerDevice> {
  const authorized = authorize(actor, 'door:manage');
  const id = parseId('scannerDevice', rawId);
  const device = id ? await deps.prisma.scannerDevice.findUnique({ where: { id } }) : null;
  if (!device) throw notFound('Scanner device');
  if (device.organisationId !== authorized.organisationId) throw notYours('Scanner device');
  return device;
}

export const DEVICE_TOKEN_REQUIRED = 'Device token required. Pass it as: Authorization: Bearer <device token>';
const DEVICE_TOKEN_INVALID = 'Invalid or revoked device token. Pair the device again.';

/**
 * The device behind `Authorization: Bearer eg_dev_…`, marked seen. One indexed UPDATE per request and no cache,
 * so a revocation holds from the next request on, on every process.
 */
export async function authenticateDevice(deps: Deps, authorization: string | undefined, pendingUploads?: number): Promise<DeviceActor> {
  if (!authorization) throw new AppError('UNAUTHENTICATED', DEVICE_TOKEN_REQUIRED);
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (!token?.startsWith(DEVICE_TOKEN_PREFIX) || token.length > 100) throw new AppError('UNAUTHENTICATED', DEVICE_TOKEN_INVALID);
  const hash = sha256Hex(token);
  const row = await touchDevice(poolSql(deps), { tokenHash: hash, pendingUploads: pendingUploads ?? null });
  // The index found it by hash; compared again in constant time all the same.
  if (!row || !constantTimeEqual(row.token_hash, hash)) throw new AppError('UNAUTHENTICATED', DEVICE_TOKEN_INVALID);
  return { deviceId: row.id, organisationId: row.organisation_id, eventId: row.event_id, zoneId: row.zone_id };
}

/** Whether a device that authenticated earlier (an open stream) may still be served. */
export async function deviceStillValid(deps: Deps, deviceId: string): Promise<boolean> {
  return await deviceNotRevoked(poolSql(deps), deviceId);
}
