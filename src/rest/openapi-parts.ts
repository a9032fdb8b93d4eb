import { z } from 'zod';
import { API_KEY_REQUIRED } from './middleware.ts';

/** Pieces of the OpenAPI document that every route shares: error bodies, response headers, the event path. */

export const ErrorBody = z.object({ error: z.string(), message: z.string() }).meta({ id: 'Error' });
export const ValidationErrorBody = z
  .object({ message: z.literal('The given data was invalid.'), errors: z.record(z.string(), z.array(z.string())) })
  .meta({ id: 'ValidationError' });

type Examples = Record<string, { summary?: string; value: unknown }>;

export const json = (schema: z.ZodType, examples?: Examples) => ({
  'application/json': { schema, ...(examples ? { examples } : {}) },
});

export const header = (description: string, schema: z.ZodType = z.string()) => schema.meta({ description });

/** Every response carries its request id; responses to an API key carry its budget. */
export const REQUEST_ID = {
  'X-Request-Id': header('This request’s id, EventoGate’s own (an X-Request-Id the caller sent is kept beside it in logs and the audit log)'),
};
export const RATE_LIMIT_HEADERS = {
  ...REQUEST_ID,
  'RateLimit-Limit': header('Requests allowed per minute for this key (REST and GraphQL together)', z.string().regex(/^\d+$/)),
  'RateLimit-Remaining': header('Requests left in the current minute', z.string().regex(/^\d+$/)),
  'RateLimit-Reset': header('Seconds until the budget refills', z.string().regex(/^\d+$/)),
};
export const RETRY_AFTER = { ...REQUEST_ID, 'Retry-After': header('Seconds to wait before retrying', z.string().regex(/^\d+$/)) };

export const tooLarge = {
  description: 'Body over 1 MB; the connection is closed',
  headers: z.object(REQUEST_ID),
  content: json(ErrorBody, { tooLarge: { value: { error: 'payload_too_large', message: 'The request body must not be larger than 1 MB.' } } }),
};
export const unavailable = {
  description: 'The database is unreachable (restarting, failing over); nothing was changed, retry as is',
  headers: z.object(RETRY_AFTER),
  content: json(ErrorBody, {
    unavailable: { value: { error: 'service_unavailable', message: 'The service is temporarily unavailable. Nothing was changed; retry in a few seconds.' } },
  }),
};
export const invalidJson = {
  description: 'Malformed JSON',
  headers: z.object(REQUEST_ID),
  content: json(ErrorBody, { invalidJson: { value: { error: 'invalid_json', message: 'The request body is not valid JSON: …' } } }),
};
export const notJson = { description: 'Body is not JSON', headers: z.object(REQUEST_ID), content: json(ErrorBody) };

export const validation = (description: string, examples?: Examples) => ({
  description,
  headers: z.object(REQUEST_ID),
  content: json(ValidationErrorBody, examples),
});

/** The answers a JSON body can get before the handler decides anything. */
export const bodyErrors = { 400: invalidJson, 413: tooLarge, 415: notJson };

/** The errors every API-key route can answer. */
export const errorResponses = {
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

export const EventPath = z.object({
  event_id: z.string().meta({ description: 'The event’s id (evt_…) or its plain UUID', example: 'evt_01HXYZ' }),
});
