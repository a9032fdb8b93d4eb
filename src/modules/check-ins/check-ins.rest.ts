import { z } from 'zod';
import { jsonResponse, readJsonObject } from '../../rest/body.ts';
import { bodyErrors, EventPath, errorResponses, json, RATE_LIMIT_HEADERS, validation } from '../../rest/openapi-parts.ts';
import { defineRoute } from '../../rest/route.ts';
import { AttendeeResponse, presentAttendee } from '../registrations/index.ts';
import { checkIn } from './check-ins.service.ts';

const CheckInRequest = z
  .object({
    qr_token: z.uuid().optional().meta({ description: 'What the QR code carries (a scan)' }),
    attendee_id: z.string().max(64).optional().meta({ description: 'att_… (a manual check-in); send exactly one of the two' }),
    zone_id: z.string().max(64).optional().meta({ description: 'zon_…: the zone this door leads into (or out of)' }),
    direction: z.enum(['in', 'out']).optional().meta({ description: 'in (default) or out' }),
  })
  .meta({ id: 'CheckInRequest' });

const CheckInResponse = z
  .object({
    attendee: AttendeeResponse,
    already_checked_in: z.boolean().meta({ description: 'true for a repeat scan (checked_in_at is the first time)' }),
    zone: z
      .object({ id: z.string(), name: z.string(), inside_now: z.int() })
      .nullable()
      .optional()
      .meta({ description: 'Only when the request names zone_id or direction: the zone entered or left, with the people inside now' }),
    movement: z
      .enum(['entered', 'exited', 'already_inside', 'not_inside'])
      .nullable()
      .optional()
      .meta({ description: 'Only when the request names zone_id or direction' }),
  })
  .meta({ id: 'CheckInResponse' });

/** POST /v1/events/{event_id}/check-ins {"qr_token": …} → {"attendee": {…}, "already_checked_in": bool} (CONTRACT §4). */
export const checkInRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/events/{event_id}/check-ins',
    auth: 'apiKey',
    document: {
      operationId: 'checkIn',
      tags: ['Check-in'],
      summary: 'Check an attendee in',
      description:
        'A scan ({"qr_token"}) or a manual check-in ({"attendee_id"}). The first one checks in and fires attendee.checked_in; a repeat ' +
        'answers already_checked_in with the first time.',
      request: {
        params: EventPath,
        body: { content: json(CheckInRequest, { scan: { summary: 'A scanned QR code', value: { qr_token: '3f4a9b2c-5d6e-4f70-8a91-b2c3d4e5f607' } } }) },
      },
      responses: {
        200: { description: 'Checked in, or already', headers: z.object(RATE_LIMIT_HEADERS), content: json(CheckInResponse) },
        ...bodyErrors,
        422: validation('Invalid body, a cancelled attendee, or an attendee of another event'),
        ...errorResponses,
      },
    },
    handle: async (c, deps) => {
      const body = await readJsonObject(c);
      const result = await checkIn(deps, { actor: c.get('actor'), input: { ...body, event_id: c.req.param('event_id') } });
      // The door's additions only when the request named a zone or a direction: otherwise the seed's exact answer.
      const door = result.door
        ? {
            zone: result.door.zone ? { id: result.door.zone.id, name: result.door.zone.name, inside_now: result.door.zone.insideNow } : null,
            movement: result.door.movement,
          }
        : {};
      return jsonResponse(
        c,
        { attendee: presentAttendee(deps, result.attendee, result.event.customFields), already_checked_in: result.alreadyCheckedIn, ...door },
        200,
      );
    },
  }),
];
