import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { AttendeeResponse, RegistrationInput, RegistrationList } from '../modules/registrations/registrations.schemas.ts';
import { API_KEY_REQUIRED } from './middleware.ts';

/**
 * OpenAPI 3.1 for REST v1, generated from the zod schemas the handlers validate with, and carrying the
 * seed page's own examples and error bodies.
 */
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

const ErrorBody = z.object({ error: z.string(), message: z.string() }).meta({ id: 'Error' });
const ValidationErrorBody = z
  .object({ message: z.literal('The given data was invalid.'), errors: z.record(z.string(), z.array(z.string())) })
  .meta({ id: 'ValidationError' });

const json = (schema: z.ZodType, examples?: Record<string, { summary?: string; value: unknown }>) => ({
  'application/json': { schema, ...(examples ? { examples } : {}) },
});

const header = (description: string, schema: z.ZodType = z.string()) => schema.meta({ description });

/** Every response carries its request id; responses to an API key carry its budget. */
const REQUEST_ID = { 'X-Request-Id': header('This request’s id (echoed from the request’s X-Request-Id when sent)') };
const RATE_LIMIT_HEADERS = {
  ...REQUEST_ID,
  'RateLimit-Limit': header('Requests allowed per minute for this key (REST and GraphQL together)', z.string().regex(/^\d+$/)),
  'RateLimit-Remaining': header('Requests left in the current minute', z.string().regex(/^\d+$/)),
  'RateLimit-Reset': header('Seconds until the budget refills', z.string().regex(/^\d+$/)),
};
const RETRY_AFTER = { ...REQUEST_ID, 'Retry-After': header('Seconds to wait before retrying', z.string().regex(/^\d+$/)) };

const tooLarge = {
  description: 'Body over 1 MB; the connection is closed',
  headers: z.object(REQUEST_ID),
  content: json(ErrorBody, { tooLarge: { value: { error: 'payload_too_large', message: 'The request body must not be larger than 1 MB.' } } }),
};
const unavailable = {
  description: 'The database is unreachable (restarting, failing over); nothing was changed, retry as is',
  headers: z.object(RETRY_AFTER),
  content: json(ErrorBody, {
    unavailable: { value: { error: 'service_unavailable', message: 'The service is temporarily unavailable. Nothing was changed; retry in a few seconds.' } },
  }),
};

const errorResponses = {
  401: {
    description: 'API key missing, invalid, or revoked',
    headers: z.object(REQUEST_ID),
    content: json(ErrorBody, { missing: { value: { error: 'unauthenticated', message: API_KEY_REQUIRED } } }),
  },
  403: {
    description: 'The event does not belong to your organisation',
    headers: z.object(RATE_LIMIT_HEADERS),
    content: json(ErrorBody, { forbidden: { value: { error: 'forbidden', message: 'The event does not belong to your organisation.' } } }),
  },
  404: {
    description: 'Event ID not found',
    headers: z.object(REQUEST_ID),
    content: json(ErrorBody, { notFound: { value: { error: 'not_found', message: 'Event not found.' } } }),
  },
  429: { description: 'Rate limit exceeded', headers: z.object({ ...RATE_LIMIT_HEADERS, ...RETRY_AFTER }), content: json(ErrorBody) },
  500: { description: 'Unexpected error on our end', headers: z.object(REQUEST_ID), content: json(ErrorBody) },
  503: unavailable,
};

const EventPath = z.object({
  event_id: z.string().meta({ description: 'The event’s id (evt_…) or its plain UUID', example: 'evt_01HXYZ' }),
});

/** The list query as documented: integers (the validator reads them from the query string). */
const ListRegistrationsQueryDocument = z.object({
  limit: z.int().min(1).max(100).optional().meta({ description: '1–100, default 25' }),
  cursor: z.string().max(200).optional().meta({ description: 'next_cursor from the previous page' }),
});

const CheckInRequest = z
  .object({
    qr_token: z.uuid().optional().meta({ description: 'What the QR code carries (a scan)' }),
    attendee_id: z.string().max(64).optional().meta({ description: 'att_… (a manual check-in); send exactly one of the two' }),
  })
  .meta({ id: 'CheckInRequest' });

const CheckInResponse = z
  .object({ attendee: AttendeeResponse, already_checked_in: z.boolean().meta({ description: 'true for a repeat scan (checked_in_at is the first time)' }) })
  .meta({ id: 'CheckInResponse' });

const PublicEvent = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    starts_at: z.string(),
    ends_at: z.string(),
    timezone: z.string(),
    venue: z.string().nullable(),
    status: z.enum(['published']),
    registration_open: z.boolean(),
    registration_opens_at: z.string().nullable(),
    registration_closes_at: z.string(),
    ticket_types: z.array(z.object({ slug: z.string(), name: z.string(), is_default: z.boolean() })).meta({ description: 'The types with seats left' }),
    custom_fields: z.array(
      z.object({ field_key: z.string(), field_label: z.string(), field_type: z.string(), required: z.boolean(), options: z.array(z.string()) }),
    ),
  })
  .meta({ id: 'PublicEvent' });

function buildDocument() {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer eg_live_… (or eg_test_… for the sandbox)',
  });
  const legacy = registry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'Legacy header, accepted for backwards compatibility',
  });
  const security = [{ [bearer.name]: [] }, { [legacy.name]: [] }];

  const created = (description: string) => ({
    description,
    headers: z.object({
      ...RATE_LIMIT_HEADERS,
      Location: header('The new registration’s URL'),
      'Idempotent-Replayed': header('"true" when this is the stored answer to an earlier request with the same Idempotency-Key').optional(),
    }),
    content: json(AttendeeResponse, { seed: { value: SEED_EXAMPLE_RESPONSE } }),
  });
  const invalidJson = {
    description: 'Malformed JSON',
    headers: z.object(REQUEST_ID),
    content: json(ErrorBody, { invalidJson: { value: { error: 'invalid_json', message: 'The request body is not valid JSON: …' } } }),
  };
  const notJson = { description: 'Body is not JSON', headers: z.object(REQUEST_ID), content: json(ErrorBody) };
  const validation = (description: string, examples?: Record<string, { summary?: string; value: unknown }>) => ({
    description,
    headers: z.object(REQUEST_ID),
    content: json(ValidationErrorBody, examples),
  });

  registry.registerPath({
    method: 'post',
    path: '/events/{event_id}/registrations',
    operationId: 'registerAttendee',
    tags: ['Registrations'],
    summary: 'Register Attendee',
    description: 'Creates the attendee record, generates a QR code, and fires the attendee.registered webhook. Honours Idempotency-Key (24 h).',
    security,
    request: {
      params: EventPath,
      headers: z.object({ 'Idempotency-Key': z.string().max(255).optional() }),
      body: { content: json(RegistrationInput, { seed: { summary: 'The documented example', value: SEED_EXAMPLE_REQUEST } }) },
    },
    responses: {
      201: created('Created'),
      400: invalidJson,
      413: tooLarge,
      415: notJson,
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
  });

  registry.registerPath({
    method: 'get',
    path: '/events/{event_id}/registrations',
    operationId: 'listRegistrations',
    tags: ['Registrations'],
    summary: 'List registrations',
    description: 'Oldest first; a test key lists test registrations, a live key live ones.',
    security,
    request: { params: EventPath, query: ListRegistrationsQueryDocument },
    responses: {
      200: { description: 'A page', headers: z.object(RATE_LIMIT_HEADERS), content: json(RegistrationList) },
      422: validation('Bad query'),
      ...errorResponses,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/events/{event_id}/registrations/{attendee_id}',
    operationId: 'getRegistration',
    tags: ['Registrations'],
    summary: 'Retrieve a registration',
    security,
    request: { params: EventPath.extend({ attendee_id: z.string().meta({ example: 'att_09BXYZ' }) }) },
    responses: { 200: { description: 'The attendee', headers: z.object(RATE_LIMIT_HEADERS), content: json(AttendeeResponse) }, ...errorResponses },
  });

  registry.registerPath({
    method: 'get',
    path: '/events/{event_id}/registrations.csv',
    operationId: 'exportRegistrationsCsv',
    tags: ['Registrations'],
    summary: 'Export registrations as CSV',
    description:
      'Every registration of the key’s mode, streamed. Columns: the registration fields, then one per custom field. Cells that ' +
      'look like formulas (=, +, -, @, tab, CR) are prefixed with an apostrophe.',
    security,
    request: { params: EventPath },
    responses: {
      200: {
        description: 'The CSV file',
        headers: z.object({ ...RATE_LIMIT_HEADERS, 'Content-Disposition': header('attachment; filename="<event>-registrations.csv"') }),
        content: { 'text/csv': { schema: z.string(), example: 'id,first_name,last_name,email,…\natt_09BXYZ,Sarah,Chen,sarah@example.com,…\n' } },
      },
      ...errorResponses,
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/events/{event_id}/check-ins',
    operationId: 'checkIn',
    tags: ['Check-in'],
    summary: 'Check an attendee in',
    description:
      'A scan ({"qr_token"}) or a manual check-in ({"attendee_id"}). The first one checks in and fires attendee.checked_in; a repeat ' +
      'answers already_checked_in with the first time.',
    security,
    request: {
      params: EventPath,
      body: { content: json(CheckInRequest, { scan: { summary: 'A scanned QR code', value: { qr_token: '3f4a9b2c-5d6e-4f70-8a91-b2c3d4e5f607' } } }) },
    },
    responses: {
      200: { description: 'Checked in, or already', headers: z.object(RATE_LIMIT_HEADERS), content: json(CheckInResponse) },
      400: invalidJson,
      413: tooLarge,
      415: notJson,
      422: validation('Invalid body, a cancelled attendee, or an attendee of another event'),
      ...errorResponses,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/public/events/{event_id}',
    operationId: 'getPublicEvent',
    tags: ['Public form'],
    summary: 'Public event data for a registration form',
    description: 'No key. CORS open. Drafts are not public.',
    security: [],
    request: { params: EventPath },
    responses: {
      200: { description: 'The event, its open ticket types and its fields', headers: z.object(REQUEST_ID), content: json(PublicEvent) },
      404: errorResponses[404],
      429: errorResponses[429],
      503: unavailable,
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/public/events/{event_id}/registrations',
    operationId: 'registerThroughPublicForm',
    tags: ['Public form'],
    summary: 'Register through the public form',
    description: 'No key; 10 requests per minute per client IP (PUBLIC_FORM_RATE_LIMIT_PER_MIN). registration_source is "form".',
    security: [],
    request: { params: EventPath, body: { content: json(RegistrationInput) } },
    responses: {
      201: created('Created'),
      400: invalidJson,
      413: tooLarge,
      415: notJson,
      422: validation('Validation failed'),
      404: errorResponses[404],
      429: {
        description: 'Too Many Requests (Retry-After says when to retry)',
        headers: z.object(RETRY_AFTER),
        content: json(ErrorBody, { limited: { value: { error: 'rate_limited', message: 'Too many requests: the limit is 10 per minute. Retry in 42 s.' } } }),
      },
      503: unavailable,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/qr/{file}',
    operationId: 'getQrCode',
    tags: ['Registrations'],
    summary: 'The QR code image of a registration',
    description: 'The image behind qr_code_url (its signature is the credential). Never cached by intermediaries; an ETag spares a re-download.',
    security: [],
    servers: [{ url: '/' }],
    request: {
      params: z.object({ file: z.string().meta({ description: '<attendee_id>.png', example: 'att_01hxyz5m3n4p5q6r7s8t9v0w1x.png' }) }),
      query: z.object({ sig: z.string().meta({ description: 'The signature from qr_code_url' }) }),
      headers: z.object({ 'If-None-Match': z.string().optional() }),
    },
    responses: {
      200: {
        description: 'The PNG',
        headers: z.object({ ...REQUEST_ID, ETag: header('The image’s version') }),
        content: { 'image/png': { schema: z.string().meta({ format: 'binary' }) } },
      },
      304: { description: 'Not modified (If-None-Match matched)', headers: z.object(REQUEST_ID) },
      404: { description: 'No such registration, or a wrong signature', headers: z.object(REQUEST_ID), content: json(ErrorBody) },
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'EventoGate REST API',
      version: 'v1',
      description: 'Register attendees, manage events, and trigger automations — all via a simple REST API.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'Registrations', description: 'Register attendees with an API key, list, retrieve and export them.' },
      { name: 'Check-in', description: 'Door scans and manual check-ins.' },
      { name: 'Public form', description: 'The keyless, rate-limited endpoints a public registration form calls.' },
    ],
    servers: [{ url: '/v1' }],
  });
}

let document: ReturnType<typeof buildDocument> | undefined;

export function openApiDocument(publicUrl: string) {
  document ??= buildDocument();
  return { ...document, servers: [{ url: `${publicUrl}/v1` }] };
}
