import { z } from 'zod';
import { poolSql } from '../../db/sql.ts';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { jsonResponse, jsonTextResponse, readJsonObject } from '../../rest/body.ts';
import { toRestError } from '../../rest/errors.ts';
import { idempotent, type StoredResponse } from '../../rest/idempotency.ts';
import { bodyErrors, EventPath, errorResponses, header, json, RATE_LIMIT_HEADERS, validation } from '../../rest/openapi-parts.ts';
import { defineRoute } from '../../rest/route.ts';
import { csvResponse, exportAttendeesCsv, getRegistration, listRegistrations, waitlistPositions } from '../attendees/index.ts';
import { eraseRegistration } from '../privacy/index.ts';
import { presentAttendee } from './registrations.present.ts';
import { AttendeeResponse, ListRegistrationsQuery, RegistrationInput, RegistrationList } from './registrations.schemas.ts';
import { type Registration, registerAttendee } from './registrations.service.ts';

/** The seed page's example request and response, shown in the OpenAPI document. */
const SEED_EXAMPLE_REQUEST = {
  first_name: 'Sarah',
  last_name: 'Chen',
  email: 'sarah@example.com',
  phone: '+1234567890',
  country: 'US',
  ticket_type_slug: 'general',
  custom_data: { company: 'Acme Corp', job_title: 'Product Manager' },
};

const SEED_EXAMPLE_RESPONSE = {
  id: 'att_09BXYZ',
  first_name: 'Sarah',
  last_name: 'Chen',
  email: 'sarah@example.com',
  phone: '+1234567890',
  country: 'US',
  status: 'registered',
  ticket_type: 'General Admission',
  ticket_type_slug: 'general',
  qr_code_url: 'https://cdn.eventogate.com/qr/att_09BXYZ.png',
  qr_token: '3f4a9b2c-...',
  registered_at: '2025-05-12 10:14:00',
  checked_in_at: null,
  registration_source: 'api',
  custom_data: { company: 'Acme Corp', job_title: 'Product Manager' },
  custom_fields: [
    { field_key: 'company', field_label: 'Company', field_type: 'text' },
    { field_key: 'job_title', field_label: 'Job Title', field_type: 'text' },
  ],
};

/** The list query as documented: integers (the validator reads them from the query string). */
const ListRegistrationsQueryDocument = z.object({
  limit: z.int().min(1).max(100).optional().meta({ description: '1–100, default 25' }),
  cursor: z.string().max(200).optional().meta({ description: 'next_cursor from the previous page' }),
});

/** POST/GET /v1/events/{event_id}/registrations, GET …/registrations.csv and …/registrations/{attendee_id} (API key routes). */
export const registrationRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/events/{event_id}/registrations',
    auth: 'apiKey',
    document: {
      operationId: 'registerAttendee',
      tags: ['Registrations'],
      summary: 'Register Attendee',
      description:
        'Creates the attendee record, generates a QR code, and fires the attendee.registered webhook. Honours Idempotency-Key (24 h). ' +
        'When the ticket type is full and its waitlist is on, the registration is accepted onto the waitlist instead: 201 with status ' +
        '"waitlisted", waitlist_position, null qr_token and qr_code_url (attendee.waitlisted, opt-in). A ticket type that requires approval ' +
        'answers 201 with status "pending_approval" and no ticket (attendee.pending_approval, opt-in).',
      request: {
        params: EventPath,
        headers: z.object({ 'Idempotency-Key': z.string().max(255).optional() }),
        body: { content: json(RegistrationInput, { seed: { summary: 'The documented example', value: SEED_EXAMPLE_REQUEST } }) },
      },
      responses: {
        201: {
          description: 'Created',
          headers: z.object({
            ...RATE_LIMIT_HEADERS,
            Location: header('The new registration’s URL'),
            'Idempotent-Replayed': header('"true" when this is the stored answer to an earlier request with the same Idempotency-Key').optional(),
          }),
          content: json(AttendeeResponse, { seed: { value: SEED_EXAMPLE_RESPONSE } }),
        },
        ...bodyErrors,
        422: validation('Validation failed — check the errors object for field details', {
          duplicateEmail: {
            summary: 'Duplicate Email',
            value: { message: 'The given data was invalid.', errors: { email: ['This email has already been registered for this event.'] } },
          },
          invalidTicketType: {
            summary: 'Invalid Ticket Type',
            value: { message: 'The given data was invalid.', errors: { ticket_type_slug: ['Ticket type "vip" not found.'] } },
          },
          missingFields: {
            summary: 'Validation error',
            value: {
              message: 'The given data was invalid.',
              errors: { email: ['The email field is required.'], first_name: ['The first name field is required.'] },
            },
          },
        }),
        ...errorResponses,
      },
    },
    handle: async (c, deps) => {
      const actor = c.get('actor');
      const eventId = c.req.param('event_id') ?? '';
      const body = await readJsonObject(c);
      const respond = (registration: Registration): StoredResponse => ({
        status: 201,
        body: JSON.stringify(presentAttendee(deps, registration.attendee, registration.event.customFields, registration.waitlistPosition)),
        headers: { Location: `${deps.config.publicUrl}/v1/events/${registration.event.id}/registrations/${registration.attendee.id}` },
      });

      const key = c.req.header('idempotency-key');
      const response = key
        ? await idempotent(
            deps,
            { organisationId: actor.organisationId, apiKeyId: actor.apiKeyId, key, method: 'POST', path: c.req.path, body },
            async (hooks) => {
              const registration = await registerAttendee(deps, {
                actor,
                eventId,
                input: body,
                source: 'API',
                onTransactionStart: hooks.onTransactionStart,
                // A refusal decided in the transaction (duplicate email, sold out…) is stored and replayed like a
                // 201; one found before it (a malformed body) is not, so the corrected request can run.
                onTransactionEnd: (tx, outcome) =>
                  hooks.complete(tx, outcome instanceof AppError ? errorResponse(outcome, c.get('requestId')) : respond(outcome)),
              });
              return respond(registration);
            },
          )
        : { ...respond(await registerAttendee(deps, { actor, eventId, input: body, source: 'API' })), replayed: false };

      return jsonTextResponse(c, response.body, response.status, {
        ...response.headers,
        ...(response.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/events/{event_id}/registrations.csv',
    auth: 'apiKey',
    document: {
      operationId: 'exportRegistrationsCsv',
      tags: ['Registrations'],
      summary: 'Export registrations as CSV',
      description:
        'Every registration of the key’s mode, streamed. Columns: the registration fields, then one per custom field. Cells that ' +
        'look like formulas (=, +, -, @, tab, CR) are prefixed with an apostrophe.',
      request: { params: EventPath },
      responses: {
        200: {
          description: 'The CSV file',
          headers: z.object({ ...RATE_LIMIT_HEADERS, 'Content-Disposition': header('attachment; filename="<event>-registrations.csv"') }),
          content: { 'text/csv': { schema: z.string(), example: 'id,first_name,last_name,email,…\natt_09BXYZ,Sarah,Chen,sarah@example.com,…\n' } },
        },
        ...errorResponses,
      },
    },
    handle: async (c, deps) => {
      const chunks = await exportAttendeesCsv(deps, { actor: c.get('actor'), eventId: c.req.param('event_id') ?? '' });
      return csvResponse(chunks, 'registrations.csv');
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/events/{event_id}/registrations',
    auth: 'apiKey',
    document: {
      operationId: 'listRegistrations',
      tags: ['Registrations'],
      summary: 'List registrations',
      description: 'Oldest first; a test key lists test registrations, a live key live ones.',
      request: { params: EventPath, query: ListRegistrationsQueryDocument },
      responses: {
        200: { description: 'A page', headers: z.object(RATE_LIMIT_HEADERS), content: json(RegistrationList) },
        422: validation('Bad query'),
        ...errorResponses,
      },
    },
    handle: async (c, deps) => {
      const page = await listRegistrations(deps, {
        actor: c.get('actor'),
        eventId: c.req.param('event_id') ?? '',
        query: parseInput(ListRegistrationsQuery, c.req.query()),
      });
      return jsonResponse(
        c,
        {
          data: page.attendees.map((a) => presentAttendee(deps, a, page.event.customFields, page.waitlistPositions.get(a.id) ?? null)),
          next_cursor: page.nextCursor,
        },
        200,
      );
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/events/{event_id}/registrations/{attendee_id}',
    auth: 'apiKey',
    document: {
      operationId: 'getRegistration',
      tags: ['Registrations'],
      summary: 'Retrieve a registration',
      request: { params: EventPath.extend({ attendee_id: z.string().meta({ example: 'att_09BXYZ' }) }) },
      responses: { 200: { description: 'The attendee', headers: z.object(RATE_LIMIT_HEADERS), content: json(AttendeeResponse) }, ...errorResponses },
    },
    handle: async (c, deps) => {
      const { event, attendee, waitlistPosition } = await getRegistration(deps, {
        actor: c.get('actor'),
        eventId: c.req.param('event_id') ?? '',
        attendeeId: c.req.param('attendee_id') ?? '',
      });
      return jsonResponse(c, presentAttendee(deps, attendee, event.customFields, waitlistPosition), 200);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/events/{event_id}/registrations/{attendee_id}',
    auth: 'apiKey',
    document: {
      operationId: 'eraseRegistration',
      tags: ['Registrations'],
      summary: 'Erase a registration’s personal data',
      description:
        'For an attendee who asks to be forgotten: names become "Erased", the email a keyed hash, phone, country and ' +
        'custom data are removed and the QR code stops working — here and in every copy EventoGate keeps (webhook ' +
        'deliveries, emails, stored responses, imports, jobs). The registration itself (id, ticket type, status, times) ' +
        'stays, so counts do not change. Erasing an erased registration changes nothing. The key’s mode only.',
      request: { params: EventPath.extend({ attendee_id: z.string().meta({ example: 'att_09BXYZ' }) }) },
      responses: { 204: { description: 'Erased', headers: z.object(RATE_LIMIT_HEADERS) }, ...errorResponses },
    },
    handle: async (c, deps) => {
      await eraseRegistration(deps, { actor: c.get('actor'), eventId: c.req.param('event_id') ?? '', attendeeId: c.req.param('attendee_id') ?? '' });
      return c.body(null, 204);
    },
  }),
];

function errorResponse(error: AppError, requestId: string): StoredResponse {
  const { status, body, headers } = toRestError(error, requestId);
  return { status, body: JSON.stringify(body), headers };
}
