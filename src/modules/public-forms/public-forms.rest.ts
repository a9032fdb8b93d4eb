import { z } from 'zod';
import { jsonResponse, readJsonObject } from '../../rest/body.ts';
import {
  bodyErrors,
  ErrorBody,
  EventPath,
  errorResponses,
  json,
  RATE_LIMIT_HEADERS,
  REQUEST_ID,
  RETRY_AFTER,
  unavailable,
  validation,
} from '../../rest/openapi-parts.ts';
import { defineRoute } from '../../rest/route.ts';
import { AttendeeResponse, presentAttendee, RegistrationInput } from '../registrations/index.ts';
import { getPublicEvent, registerFromPublicForm } from './public-forms.service.ts';

const PublicEvent = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    starts_at: z.string().meta({ description: 'ISO 8601 in the event’s time zone, with its offset: 2027-06-01T10:00:00+01:00' }),
    ends_at: z.string().meta({ description: 'ISO 8601 in the event’s time zone, with its offset: 2027-06-01T10:00:00+01:00' }),
    timezone: z.string(),
    venue: z.string().nullable(),
    status: z.enum(['published']),
    registration_open: z.boolean(),
    registration_opens_at: z.string().meta({ description: 'ISO 8601 in the event’s time zone, with its offset: 2027-06-01T10:00:00+01:00' }).nullable(),
    registration_closes_at: z.string().meta({ description: 'ISO 8601 in the event’s time zone, with its offset: 2027-06-01T10:00:00+01:00' }),
    ticket_types: z
      .array(
        z.object({
          slug: z.string(),
          name: z.string(),
          is_default: z.boolean(),
          waitlist: z.boolean().meta({ description: 'true: the type is full and its waitlist is open; a registration joins the line (status "waitlisted")' }),
          requires_approval: z
            .boolean()
            .meta({ description: 'true: a registration awaits the organiser’s approval (status "pending_approval") and holds no seat until then' }),
          seats_left: z
            .int()
            .nullable()
            .optional()
            .meta({ description: 'Only with ?access_code=: seats of this type its holder could take now (seats held for the code included); null: unlimited' }),
        }),
      )
      .meta({
        description:
          'The types that take registrations now: with seats left, or full with their waitlist open. Hidden types only with an access code valid for them.',
      }),
    custom_fields: z.array(
      z.object({
        field_key: z.string(),
        field_label: z.string(),
        field_type: z.string(),
        required: z.boolean().meta({ description: 'Required when asked (a question not asked is never required)' }),
        options: z.array(z.string()),
        show_if: z
          .object({ field_key: z.string(), values: z.array(z.string()) })
          .nullable()
          .meta({
            description:
              'Ask this question only when the question field_key was answered with one of values ("true"/"false" for a checkbox, unanswered ' +
              'being "false"; any overlap for a multi_select). An answer to a question not asked is refused with a 422.',
          }),
        ticket_type_slugs: z.array(z.string()).meta({ description: 'Ask it only for these ticket types; empty: for every type' }),
      }),
    ),
    access_code: z
      .object({
        code: z.string(),
        ticket_type_slugs: z.array(z.string()).meta({ description: 'The ticket types it is valid for; empty: every type' }),
        uses_left: z.int().nullable().meta({ description: 'Registrations it can still make; null: no limit' }),
        valid_until: z.string().nullable().meta({ description: 'ISO 8601 in the event’s time zone, with its offset; null: no end' }),
      })
      .optional()
      .meta({ description: 'Only with ?access_code=: the code, as the organiser wrote it' }),
  })
  .meta({ id: 'PublicEvent' });

const PublicEventQuery = z.object({
  access_code: z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'An access code: shows the hidden types it unlocks and the seats left for its holder; a code that cannot be used → 422' }),
});

/** GET /v1/public/events/{event_id} and POST …/registrations: called from browsers on any site (CORS: router). */
export const publicFormRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/public/events/{event_id}',
    auth: 'public',
    limit: 'publicRead',
    document: {
      operationId: 'getPublicEvent',
      tags: ['Public form'],
      summary: 'Public event data for a registration form',
      description: 'No key. CORS open. Drafts are not public.',
      request: { params: EventPath, query: PublicEventQuery },
      responses: {
        200: { description: 'The event, its open ticket types and its fields', headers: z.object(REQUEST_ID), content: json(PublicEvent) },
        422: validation('The access code cannot be used (the same sentences as a registration’s, on access_code)'),
        404: errorResponses[404],
        429: errorResponses[429],
        503: unavailable,
      },
    },
    handle: async (c, deps) =>
      jsonResponse(
        c,
        await getPublicEvent(deps, { eventId: c.req.param('event_id') ?? '', accessCode: c.req.query('access_code')?.slice(0, 64) || null }),
        200,
      ),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/public/events/{event_id}/registrations',
    auth: 'public',
    limit: 'publicForm',
    document: {
      operationId: 'registerThroughPublicForm',
      tags: ['Public form'],
      summary: 'Register through the public form',
      description: 'No key; 10 requests per minute per client IP (PUBLIC_FORM_RATE_LIMIT_PER_MIN). registration_source is "form".',
      request: { params: EventPath, body: { content: json(RegistrationInput) } },
      responses: {
        201: { description: 'Created', headers: z.object(RATE_LIMIT_HEADERS), content: json(AttendeeResponse) },
        ...bodyErrors,
        422: validation('Validation failed'),
        404: errorResponses[404],
        429: {
          description: 'Too Many Requests (Retry-After says when to retry)',
          headers: z.object(RETRY_AFTER),
          content: json(ErrorBody, {
            limited: { value: { error: 'rate_limited', message: 'Too many requests: the limit is 10 per minute. Retry in 42 s.' } },
          }),
        },
        503: unavailable,
      },
    },
    handle: async (c, deps) => {
      const registration = await registerFromPublicForm(deps, { eventId: c.req.param('event_id') ?? '', input: await readJsonObject(c) });
      return jsonResponse(c, presentAttendee(deps, registration.attendee, registration.event.customFields, registration.waitlistPosition), 201);
    },
  }),
];
