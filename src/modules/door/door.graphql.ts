import QRCode from 'qrcode';
import { poolSql } from '../../db/sql.ts';
import { builder } from '../../graphql/builder.ts';
import { NodeRef } from '../../graphql/node.ts';
import { COUNT_CAP, withThousands } from '../../lib/pagination.ts';
import { credentialBoundChannel, liveValue } from '../auth/index.ts';
import { findAuthorizedEvent } from '../events/index.ts';
import { type CreatedScannerDevice, createScannerDevice, listScannerDevices, revokeScannerDevice } from './devices.service.ts';
import type { Movement } from './door.service.ts';
import { type ZoneOccupancy, zoneInsideNow } from './door.sql.ts';
import { countScans, listScanConflicts, listScans, type ScanConflict } from './scanner.service.ts';
import { listTicketSigningKeys, retireTicketSigningKey, rotateTicketSigningKey } from './ticket-codes.ts';
import { createZone, deleteZone, updateZone } from './zones.service.ts';

export const ScanDirectionEnum = builder.enumType('ScanDirection', { values: ['IN', 'OUT'] as const });
const ScanOutcomeEnum = builder.enumType('ScanOutcome', { values: ['ACCEPTED', 'DUPLICATE', 'REJECTED'] as const });
export const ZoneMovementEnum = builder.enumType('ZoneMovement', {
  values: {
    ENTERED: { value: 'entered' },
    EXITED: { value: 'exited' },
    ALREADY_INSIDE: { value: 'already_inside' },
    NOT_INSIDE: { value: 'not_inside' },
  } as const,
});

export const ZoneRef = builder.prismaObject('Zone', {
  interfaces: [NodeRef],
  description: 'A part of the venue with its own door. An attendee is inside at most one zone.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    capacity: t.exposeInt('capacity', { nullable: true }),
    insideNow: t.int({
      description: 'People inside now (kept by every scan that moves someone, not counted on read).',
      resolve: (zone, _args, ctx) => zoneInsideNow(poolSql(ctx.deps), zone.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ZoneOccupancyRef = builder.objectRef<ZoneOccupancy>('ZoneOccupancy').implement({
  fields: (t) => ({
    zoneId: t.exposeID('zoneId'),
    name: t.exposeString('name'),
    insideNow: t.exposeInt('insideNow'),
    capacity: t.exposeInt('capacity', { nullable: true }),
  }),
});

builder.prismaObject('ScannerDevice', {
  interfaces: [NodeRef],
  description: 'A phone or scanner at a door, paired with a token shown once (eg_dev_…).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    zone: t.relation('zone', { nullable: true, description: 'The zone its scans enter unless a scan names another.' }),
    tokenPrefix: t.exposeString('tokenPrefix', { description: 'The start of its token, to tell devices apart.' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', nullable: true }),
    pendingUploads: t.exposeInt('pendingUploads', { description: 'Scans waiting on the device, as it last reported.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedScannerDeviceRef = builder.objectRef<CreatedScannerDevice>('CreatedScannerDevice').implement({
  fields: (t) => ({
    device: t.prismaField({ type: 'ScannerDevice', resolve: (_query, created) => created.device }),
    token: t.exposeString('token', { description: 'Shown once. Works only on /v1/scanner/* for this event.' }),
    pairingUrl: t.exposeString('pairingUrl', { description: 'Opens the scanner page on a phone, already paired (PUBLIC_URL/scan#device=…).' }),
    pairingQrDataUrl: t.string({
      description: 'pairingUrl as a QR code (a data: URL of a PNG), for a dashboard to show and a phone to scan. Shown once, like the token.',
      resolve: (created) => QRCode.toDataURL(created.pairingUrl, { errorCorrectionLevel: 'M', margin: 2, width: 320 }),
    }),
    pairingQrSvg: t.string({
      description:
        'pairingUrl as a QR code, an SVG document: sharp at any size (a wall screen, a printed sheet), no base64 to decode. Shown once, like the token.',
      resolve: (created) => QRCode.toString(created.pairingUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    }),
  }),
});

const ScanRef = builder.prismaObject('Scan', {
  interfaces: [NodeRef],
  description: 'One scan at a door — REST, GraphQL or a device upload — accepted or refused.',
  fields: (t) => ({
    id: t.exposeID('id'),
    attendee: t.relation('attendee', { nullable: true }),
    device: t.relation('device', { nullable: true }),
    zone: t.relation('zone', { nullable: true }),
    direction: t.expose('direction', { type: ScanDirectionEnum }),
    outcome: t.expose('outcome', { type: ScanOutcomeEnum }),
    reason: t.exposeString('reason', {
      nullable: true,
      description:
        'already_checked_in, already_inside, not_inside, not_checked_in, cancelled, erased, waitlisted, offered, pending_approval, declined, ' +
        'unknown_ticket, invalid_code, other_event',
    }),
    movement: t.field({ type: ZoneMovementEnum, nullable: true, resolve: (scan) => scan.movement as Movement | null }),
    scannedAt: t.expose('scannedAt', { type: 'DateTime', description: 'When the device saw the code.' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    nonce: t.exposeString('nonce', { nullable: true }),
    offline: t.exposeBoolean('offline', { description: 'Decided by the device without the network, uploaded later.' }),
    source: t.exposeString('source', { description: 'api, dashboard or device' }),
  }),
});

const ScanConflictRef = builder.objectRef<ScanConflict>('ScanConflict').implement({
  description: 'A ticket let in offline although it had already been used: a copied ticket, most likely.',
  fields: (t) => ({
    attendee: t.prismaField({
      type: 'Attendee',
      resolve: (query, conflict, _args, ctx) => ctx.deps.prisma.attendee.findUniqueOrThrow({ ...query, where: { id: conflict.attendeeId } }),
    }),
    scans: t.prismaField({
      type: [ScanRef],
      description: 'Every entry scan of the ticket, oldest first.',
      resolve: (query, conflict, _args, ctx) =>
        ctx.deps.prisma.scan.findMany({
          ...query,
          where: { id: { in: conflict.scans.map((s) => s.scanId) } },
          orderBy: [{ scannedAt: 'asc' }, { receivedAt: 'asc' }, { id: 'asc' }],
        }),
    }),
  }),
});

builder.prismaObject('TicketSigningKey', {
  description: 'An Ed25519 key signing the organisation’s ticket codes (its public half; the private half never leaves).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The kid signed codes name.' }),
    publicKey: t.exposeString('publicKey', { description: 'base64url of the raw 32-byte public key.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    rotatedAt: t.expose('rotatedAt', { type: 'DateTime', nullable: true, description: 'No longer signs; still verifies until retired.' }),
    retiredAt: t.expose('retiredAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreateZoneInput = builder.inputType('CreateZoneInput', {
  fields: (t) => ({ eventId: t.id({ required: true }), name: t.string({ required: true }), capacity: t.int() }),
});
const UpdateZoneInput = builder.inputType('UpdateZoneInput', {
  fields: (t) => ({ id: t.id({ required: true }), name: t.string(), capacity: t.int() }),
});
const DeleteZoneInput = builder.inputType('DeleteZoneInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
const CreateScannerDeviceInput = builder.inputType('CreateScannerDeviceInput', {
  fields: (t) => ({ eventId: t.id({ required: true }), name: t.string({ required: true }), zoneId: t.id() }),
});
const RevokeScannerDeviceInput = builder.inputType('RevokeScannerDeviceInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
const RetireTicketSigningKeyInput = builder.inputType('RetireTicketSigningKeyInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const idString = (id: string | number | null | undefined) => (id === null || id === undefined ? id : String(id));

builder.mutationFields((t) => ({
  createZone: t.prismaField({
    type: 'Zone',
    args: { input: t.arg({ type: CreateZoneInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => createZone(ctx.deps, { actor: ctx.actor, input: { ...input, eventId: String(input.eventId) } }),
  }),
  updateZone: t.prismaField({
    type: 'Zone',
    args: { input: t.arg({ type: UpdateZoneInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => updateZone(ctx.deps, { actor: ctx.actor, input: { ...input, id: String(input.id) } }),
  }),
  deleteZone: t.id({
    description: 'Whoever was inside is inside no zone now; their check-in stays. Returns the deleted zone’s id.',
    args: { input: t.arg({ type: DeleteZoneInput, required: true }) },
    resolve: (_root, { input }, ctx) => deleteZone(ctx.deps, { actor: ctx.actor, input: { id: String(input.id) } }),
  }),
  createScannerDevice: t.field({
    type: CreatedScannerDeviceRef,
    args: { input: t.arg({ type: CreateScannerDeviceInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      createScannerDevice(ctx.deps, { actor: ctx.actor, input: { eventId: String(input.eventId), name: input.name, zoneId: idString(input.zoneId) } }),
  }),
  revokeScannerDevice: t.prismaField({
    type: 'ScannerDevice',
    description: 'Its next request is refused, on every process.',
    args: { input: t.arg({ type: RevokeScannerDeviceInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => revokeScannerDevice(ctx.deps, { actor: ctx.actor, input: { id: String(input.id) } }),
  }),
  rotateTicketSigningKey: t.prismaField({
    type: 'TicketSigningKey',
    description: 'A new key signs new codes; codes already issued keep verifying with the old one until it is retired.',
    resolve: (_query, _root, _args, ctx) => rotateTicketSigningKey(ctx.deps, { actor: ctx.actor }),
  }),
  retireTicketSigningKey: t.prismaField({
    type: 'TicketSigningKey',
    description: 'Codes signed with a rotated-out key stop verifying (online at once, on devices at their next sync).',
    args: { input: t.arg({ type: RetireTicketSigningKeyInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => retireTicketSigningKey(ctx.deps, { actor: ctx.actor, keyId: String(input.id) }),
  }),
}));

builder.queryFields((t) => ({
  scannerDevices: t.prismaField({
    type: ['ScannerDevice'],
    description: 'The event’s door devices, revoked ones included. OWNER/ADMIN.',
    args: { eventId: t.arg.id({ required: true }) },
    resolve: (_query, _root, { eventId }, ctx) => listScannerDevices(ctx.deps, { actor: ctx.actor, eventId: String(eventId) }),
  }),
  scans: t.prismaConnection(
    {
      type: 'Scan',
      cursor: 'id',
      defaultSize: 50,
      maxSize: 200,
      description: `The event’s scan log, newest first. \`totalCount\` stops at ${withThousands(COUNT_CAP)}.`,
      args: { eventId: t.arg.id({ required: true }), outcome: t.arg({ type: ScanOutcomeEnum }) },
      resolve: (query, _root, { eventId, outcome }, ctx) => listScans(ctx.deps, { actor: ctx.actor, eventId: String(eventId), filters: { outcome }, query }),
      totalCount: (_root, { eventId, outcome }, ctx) => countScans(ctx.deps, { actor: ctx.actor, eventId: String(eventId), filters: { outcome } }),
    },
    { name: 'ScanConnection' },
    { name: 'ScanEdge' },
  ),
  scanConflicts: t.field({
    type: [ScanConflictRef],
    description: 'Tickets let in offline although already used (by two devices, twice by one, or after an online entry).',
    args: { eventId: t.arg.id({ required: true }) },
    resolve: (_root, { eventId }, ctx) => listScanConflicts(ctx.deps, { actor: ctx.actor, eventId: String(eventId) }),
  }),
  ticketSigningKeys: t.prismaField({
    type: ['TicketSigningKey'],
    description: 'The organisation’s ticket signing keys, newest first. OWNER/ADMIN.',
    resolve: (query, _root, _args, ctx) => listTicketSigningKeys(ctx.deps, { actor: ctx.actor, query }),
  }),
}));

builder.subscriptionFields((t) => ({
  zoneOccupancy: t.field({
    type: [ZoneOccupancyRef],
    description: 'Every zone of the event with the people inside: at once, then after every move.',
    args: { eventId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const { actor, event } = await findAuthorizedEvent(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), permission: 'attendees:read' });
      // Subscribed before the first read, so no move falls between the two.
      let early: ZoneOccupancy[][] | null = [];
      const channel = credentialBoundChannel<ZoneOccupancy[]>(ctx, actor, (push) =>
        ctx.deps.zones.subscribe(event.id, (zones) => (early ? early.push(zones) : push(zones))),
      );
      try {
        channel.push(await ctx.deps.zones.read(event.id));
      } catch (error) {
        // Not returned, so nobody would ever end it: end it here (its listener and its slot go with it).
        await channel.return();
        throw error;
      }
      for (const zones of early) channel.push(zones);
      early = null;
      return channel;
    },
    resolve: (zones) => liveValue(zones),
  }),
}));
