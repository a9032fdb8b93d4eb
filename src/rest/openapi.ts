import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { AttendeeResponse, ListRegistrationsQuery, RegistrationInput, RegistrationList } from '../modules/registrations/registrations.schemas.ts';
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

const errorResponses = {
  401: {
    description: 'API key missing, invalid, or revoked',
    content: json(ErrorBody, { missing: { value: { error: 'unauthenticated', message: API_KEY_REQUIRED } } }),
  },
  403: {
    description: 'The event does not belong to your organisation',
    content: json(ErrorBody, { forbidden: { value: { error: 'forbidden', message: 'The event does not belong to your organisation.' } } }),
  },
  404: { description: 'Event ID not found', content: json(ErrorBody, { notFound: { value: { error: 'not_found', message: 'Event not found.' } } }) },
  429: { description: 'Rate limit exceeded', content: json(ErrorBody) },
  500: { description: 'Unexpected error on our end', content: json(ErrorBody) },
};

const EventPath = z.object({
  event_id: z.string().meta({ description: 'The event’s id (evt_…) or its plain UUID', example: 'evt_01HXYZ' }),
});

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

  registry.registerPath({
    method: 'post',
    path: '/events/{event_id}/registrations',
    summary: 'Register Attendee',
    description: 'Creates the attendee record, generates a QR code, and fires the attendee.registered webhook. Honours Idempotency-Key (24 h).',
    security,
    request: {
      params: EventPath,
      headers: z.object({ 'Idempotency-Key': z.string().max(255).optional() }),
      body: { content: json(RegistrationInput, { seed: { summary: 'The documented example', value: SEED_EXAMPLE_REQUEST } }) },
    },
    responses: {
      201: { description: 'Created', content: json(AttendeeResponse, { seed: { value: SEED_EXAMPLE_RESPONSE } }) },
      400: {
        description: 'Malformed JSON',
        content: json(ErrorBody, { invalidJson: { value: { error: 'invalid_json', message: 'The request body is not valid JSON: …' } } }),
      },
      415: { description: 'Body is not JSON', content: json(ErrorBody) },
      422: {
        description: 'Validation failed — check the errors object for field details',
        content: json(ValidationErrorBody, {
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
      },
      ...errorResponses,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/events/{event_id}/registrations',
    summary: 'List registrations',
    description: 'Oldest first; a test key lists test registrations, a live key live ones.',
    security,
    request: { params: EventPath, query: ListRegistrationsQuery },
    responses: {
      200: { description: 'A page', content: json(RegistrationList) },
      422: { description: 'Bad query', content: json(ValidationErrorBody) },
      ...errorResponses,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/events/{event_id}/registrations/{attendee_id}',
    summary: 'Retrieve a registration',
    security,
    request: { params: EventPath.extend({ attendee_id: z.string().meta({ example: 'att_09BXYZ' }) }) },
    responses: { 200: { description: 'The attendee', content: json(AttendeeResponse) }, ...errorResponses },
  });

  registry.registerPath({
    method: 'get',
    path: '/public/events/{event_id}',
    summary: 'Public event data for a registration form',
    description: 'No key. CORS open. Drafts are not public.',
    request: { params: EventPath },
    responses: { 200: { description: 'The event, its open ticket types and its fields' }, 404: errorResponses[404], 429: errorResponses[429] },
  });

  registry.registerPath({
    method: 'post',
    path: '/public/events/{event_id}/registrations',
    summary: 'Register through the public form',
    description: 'No key; 10 requests per minute per client IP (PUBLIC_FORM_RATE_LIMIT_PER_MIN). registration_source is "form".',
    request: { params: EventPath, body: { content: json(RegistrationInput) } },
    responses: {
      201: { description: 'Created', content: json(AttendeeResponse) },
      422: { description: 'Validation failed', content: json(ValidationErrorBody) },
      404: errorResponses[404],
      429: {
        description: 'Too Many Requests (Retry-After says when to retry)',
        content: json(ErrorBody, { limited: { value: { error: 'rate_limited', message: 'Too many requests: the limit is 10 per minute. Retry in 42 s.' } } }),
      },
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'EventoGate REST API',
      version: 'v1',
      description: 'Register attendees, manage events, and trigger automations — all via a simple REST API.',
    },
    servers: [{ url: '/v1' }],
  });
}

let document: ReturnType<typeof buildDocument> | undefined;

export function openApiDocument(publicUrl: string) {
  document ??= buildDocument();
  return { ...document, servers: [{ url: `${publicUrl}/v1` }] };
}
