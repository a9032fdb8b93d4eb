import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { jsonResponse, readJsonObject } from '../../rest/body.ts';
import { bodyErrors, ErrorBody, EventPath, errorResponses, json, RATE_LIMIT_HEADERS, REQUEST_ID, unavailable, validation } from '../../rest/openapi-parts.ts';
import { defineRoute } from '../../rest/route.ts';
import { DEVICE_TOKEN_REQUIRED, deviceStillValid } from './devices.service.ts';
import type { ZoneOccupancy } from './door.sql.ts';
import { listScanConflicts, MAX_UPLOAD_SCANS, SYNC_PAGE_SIZE, syncDevice, uploadScans } from './scanner.service.ts';

const deviceErrors = {
  401: {
    description: 'Device token missing, invalid or revoked',
    headers: z.object(REQUEST_ID),
    content: json(ErrorBody, { missing: { value: { error: 'unauthenticated', message: DEVICE_TOKEN_REQUIRED } } }),
  },
  429: errorResponses[429],
  500: errorResponses[500],
  503: unavailable,
};

const SyncResponse = z
  .object({
    event: z.object({
      id: z.string(),
      name: z.string(),
      starts_at: z.string(),
      ends_at: z.string(),
      timezone: z.string(),
      venue: z.string().nullable(),
      ticket_codes: z.enum(['random', 'signed']),
    }),
    device: z.object({ id: z.string(), zone_id: z.string().nullable().meta({ description: 'The zone its scans enter unless a scan names one' }) }),
    devices: z.array(z.object({ id: z.string(), name: z.string() })).meta({ description: 'The event’s devices, to name the door of a first scan' }),
    zones: z.array(z.object({ id: z.string(), name: z.string(), capacity: z.int().nullable(), inside_now: z.int() })),
    ticket_types: z.array(z.object({ id: z.string(), slug: z.string(), name: z.string() })),
    signing_keys: z
      .array(z.object({ kid: z.string(), alg: z.literal('Ed25519'), public_key: z.string().meta({ description: 'base64url of the raw 32-byte key' }) }))
      .meta({ description: 'Keys that verify signed codes (eg1.<payload>.<signature>, Ed25519 over the ASCII bytes eg1.<payload>)' }),
    revoked_codes: z.array(z.string()).meta({
      description: 'Signed codes of registrations without a ticket (cancelled, waitlisted, offered, pending approval, declined): refuse them offline',
    }),
    attendees: z
      .array(
        z.object({
          id: z.string(),
          token_sha256: z.string().optional().meta({ description: 'hex SHA-256 of what the ticket’s QR code carries' }),
          first_name: z.string().optional(),
          last_name: z.string().optional(),
          ticket_type: z.string().nullable().optional().meta({ description: 'The ticket type’s name' }),
          status: z.enum(['registered', 'checked_in', 'cancelled', 'no_show', 'waitlisted', 'offered', 'pending_approval', 'declined']).optional(),
          checked_in_at: z.string().nullable().optional(),
          zone_id: z.string().nullable().optional(),
          deleted: z.boolean().meta({ description: 'true: a tombstone (forget this attendee); only id is sent' }),
        }),
      )
      .meta({ description: `Changed since the cursor, at most ${SYNC_PAGE_SIZE} a page` }),
    cursor: z.string().meta({ description: 'Send it back as ?cursor= for the next page, or for the next sync when has_more is false' }),
    has_more: z.boolean(),
  })
  .meta({ id: 'ScannerSync' });

const UploadRequest = z
  .object({
    scans: z
      .array(
        z.object({
          nonce: z.string().max(100).meta({ description: 'The device’s id for this scan; a re-upload with it gets the same answer' }),
          qr_token: z.string().max(1000).optional().meta({ description: 'What the QR code carried (a UUID or a signed code)' }),
          attendee_id: z.string().max(64).optional().meta({ description: 'Instead of qr_token: an attendee found by name in the synced list' }),
          scanned_at: z.string().meta({ description: 'ISO 8601 with offset: when the device saw the code (not in the future)' }),
          zone_id: z.string().nullable().optional().meta({ description: 'Default: the device’s zone' }),
          direction: z.enum(['in', 'out']).nullable().optional(),
          offline: z.boolean().nullable().optional().meta({ description: 'The device decided it without the network' }),
          local_outcome: z
            .enum(['accepted', 'duplicate', 'rejected'])
            .nullable()
            .optional()
            .meta({ description: 'What the device decided offline; an offline scan without it counts as let in (for conflicts)' }),
        }),
      )
      .min(1)
      .max(MAX_UPLOAD_SCANS),
  })
  .meta({ id: 'ScanUpload' });

const UploadResponse = z
  .object({
    results: z.array(
      z.object({
        nonce: z.string(),
        outcome: z.enum(['accepted', 'duplicate', 'rejected']),
        reason: z
          .string()
          .nullable()
          .meta({
            description:
              'already_checked_in, already_inside, not_inside, not_checked_in, cancelled, erased, waitlisted, offered, pending_approval, declined, ' +
              'unknown_ticket, invalid_code, other_event',
          }),
        attendee_id: z.string().nullable(),
        first_scan: z
          .object({ scanned_at: z.string(), device_id: z.string().nullable() })
          .nullable()
          .meta({ description: 'For a duplicate: the entry it repeats' }),
      }),
    ),
  })
  .meta({ id: 'ScanUploadResults' });

const ScanConflicts = z
  .object({
    data: z.array(
      z.object({
        attendee_id: z.string(),
        scans: z.array(z.object({ scan_id: z.string(), device_id: z.string().nullable(), scanned_at: z.string(), outcome: z.enum(['accepted', 'duplicate']) })),
      }),
    ),
  })
  .meta({ id: 'ScanConflicts' });

/** The door's REST surface: device sync and upload (device token), and the copied-ticket report (API key). */
export const scannerRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/scanner/sync',
    auth: 'device',
    document: {
      operationId: 'syncScanner',
      tags: ['Scanner'],
      summary: 'Sync a door device',
      description:
        'Everything a device needs to decide scans offline, and the attendees changed since the cursor (first sync: no cursor). Page ' +
        'until has_more is false, keep the last cursor for the next sync. An attendee may come twice; upsert by id.',
      request: {
        query: z.object({
          cursor: z.string().max(500).optional(),
          pending: z.int().min(0).optional().meta({ description: 'Scans queued on the device (shown on the dashboard)' }),
        }),
      },
      responses: {
        200: { description: 'A page', headers: z.object(RATE_LIMIT_HEADERS), content: json(SyncResponse) },
        422: validation('An invalid cursor'),
        ...deviceErrors,
      },
    },
    handle: async (c, deps) => jsonResponse(c, await syncDevice(deps, c.get('device'), c.req.query('cursor')), 200),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/scanner/scans',
    auth: 'device',
    document: {
      operationId: 'uploadScans',
      tags: ['Scanner'],
      summary: 'Upload scans',
      description:
        `Up to ${MAX_UPLOAD_SCANS} scans, applied in the order sent, each answered. Idempotent per device and nonce. A malformed upload ` +
        'is refused whole (422 naming scans.<index>.<field>) and changes nothing.',
      request: { body: { content: json(UploadRequest) } },
      responses: {
        200: { description: 'One result per scan, in order', headers: z.object(RATE_LIMIT_HEADERS), content: json(UploadResponse) },
        ...bodyErrors,
        422: validation('A malformed scan, a nonce reused for another scan, a zone of another event'),
        ...deviceErrors,
      },
    },
    handle: async (c, deps) => jsonResponse(c, await uploadScans(deps, c.get('device'), await readJsonObject(c)), 200),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/scanner/occupancy',
    auth: 'device',
    document: {
      operationId: 'streamZoneOccupancy',
      tags: ['Scanner'],
      summary: 'Zone occupancy, live',
      description:
        'Server-sent events: an `occupancy` event with every zone of the device’s event and the people inside, at once and after ' +
        'every move, until the client leaves or the device is revoked (checked every 30 s and on each change).',
      responses: {
        200: {
          description: 'The stream',
          headers: z.object(REQUEST_ID),
          content: {
            'text/event-stream': {
              schema: z.string(),
              example: 'event: occupancy\ndata: [{"zone_id":"zon_…","name":"Hall","inside_now":412,"capacity":500}]\n\n',
            },
          },
        },
        ...deviceErrors,
      },
    },
    handle: async (c, deps) => {
      const device = c.get('device');
      // Counted with every other live subscription (per device, per organisation): over a cap, a 429 and no stream.
      const release = deps.liveLimits.acquire({ credential: `device:${device.deviceId}`, organisationId: device.organisationId });
      return streamSSE(
        c,
        async (stream) => {
          stream.onAbort(release);
          const send = (zones: ZoneOccupancy[]) =>
            stream.writeSSE({
              event: 'occupancy',
              data: JSON.stringify(zones.map((z) => ({ zone_id: z.zoneId, name: z.name, inside_now: z.insideNow, capacity: z.capacity }))),
            });
          let chain = Promise.resolve();
          const unsubscribe = deps.zones.subscribe(device.eventId, (zones) => {
            chain = chain.then(async () => ((await deviceStillValid(deps, device.deviceId)) ? await send(zones) : await stream.close())).catch(() => {});
          });
          stream.onAbort(unsubscribe);
          await send(await deps.zones.read(device.eventId));
          // Held open until the client leaves; a revoked device's stream ends at the next check.
          try {
            while (!stream.aborted && !stream.closed) {
              await stream.sleep(30_000);
              if (!(await deviceStillValid(deps, device.deviceId))) break;
            }
          } finally {
            unsubscribe();
            release();
          }
        },
        async (error, stream) => {
          // The database went away (a restart, this process shutting down): the device reconnects.
          deps.logger.debug({ err: error }, 'zone occupancy stream ended');
          release();
          await stream.close();
        },
      );
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/events/{event_id}/scan-conflicts',
    auth: 'apiKey',
    document: {
      operationId: 'listScanConflicts',
      tags: ['Check-in'],
      summary: 'Tickets let in twice offline',
      description:
        'Tickets a device accepted offline although they had already been used (by another device, by the same one, or online): ' +
        'copied tickets. Each lists every entry scan of the ticket, oldest first.',
      request: { params: EventPath },
      responses: {
        200: { description: 'The conflicts', headers: z.object(RATE_LIMIT_HEADERS), content: json(ScanConflicts) },
        ...errorResponses,
      },
    },
    handle: async (c, deps) => {
      const conflicts = await listScanConflicts(deps, { actor: c.get('actor'), eventId: c.req.param('event_id') ?? '' });
      return jsonResponse(
        c,
        {
          data: conflicts.map((conflict) => ({
            attendee_id: conflict.attendeeId,
            scans: conflict.scans.map((s) => ({
              scan_id: s.scanId,
              device_id: s.deviceId,
              scanned_at: s.scannedAt.toISOString(),
              outcome: s.outcome.toLowerCase(),
            })),
          })),
        },
        200,
      );
    },
  }),
];
