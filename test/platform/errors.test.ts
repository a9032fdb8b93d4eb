import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskGraphQLError } from '../../src/graphql/errors.ts';
import { AppError, invalidField } from '../../src/lib/errors.ts';
import { toRestError } from '../../src/rest/errors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { http } from '../support/http.ts';

describe('REST error mapping (the shapes the seed page documents)', () => {
  it.each([
    [
      invalidField('email', 'This email has already been registered for this event.'),
      422,
      '{"message":"The given data was invalid.","errors":{"email":["This email has already been registered for this event."]}}',
    ],
    [
      invalidField('ticket_type_slug', 'Ticket type "vip" not found.'),
      422,
      '{"message":"The given data was invalid.","errors":{"ticket_type_slug":["Ticket type \\"vip\\" not found."]}}',
    ],
    [
      new AppError('UNAUTHENTICATED', 'API key required. Pass it as: Authorization: Bearer <your-api-key>'),
      401,
      '{"error":"unauthenticated","message":"API key required. Pass it as: Authorization: Bearer <your-api-key>"}',
    ],
    [
      new AppError('FORBIDDEN', 'The event does not belong to your organisation.'),
      403,
      '{"error":"forbidden","message":"The event does not belong to your organisation."}',
    ],
    [new AppError('NOT_FOUND', 'Event not found.'), 404, '{"error":"not_found","message":"Event not found."}'],
    [new AppError('INVALID_JSON', 'Malformed JSON.'), 400, '{"error":"invalid_json","message":"Malformed JSON."}'],
  ])('%s → %i %s', (error, status, body) => {
    const mapped = toRestError(error, 'req_1');
    expect(mapped.status).toBe(status);
    expect(JSON.stringify(mapped.body)).toBe(body);
  });

  it('adds Retry-After to 429', () => {
    const mapped = toRestError(new AppError('RATE_LIMITED', 'Too many requests.', { retryAfter: 17 }), 'req_1');
    expect(mapped).toEqual({ status: 429, body: { error: 'rate_limited', message: 'Too many requests.' }, headers: { 'Retry-After': '17' } });
  });

  it('hides unexpected errors behind the request id', () => {
    const mapped = toRestError(new Error('password=hunter2 at db.ts:12'), 'req_abc');
    expect(mapped.status).toBe(500);
    expect(JSON.stringify(mapped.body)).toBe(
      '{"error":"server_error","message":"Unexpected error on our end. If it persists, contact support with request id req_abc."}',
    );
  });
});

describe('GraphQL error masking', () => {
  it('logs an unexpected error with the request id and answers INTERNAL_SERVER_ERROR without details', () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write: (chunk, _enc, done) => {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const original = new Error('connection to 10.0.0.5 refused, password=hunter2');
    const masked = maskGraphQLError(new GraphQLError(original.message, { originalError: original, path: ['events'] }), { logger, requestId: 'req_xyz' });
    expect(masked).toBeInstanceOf(GraphQLError);
    expect((masked as GraphQLError).toJSON()).toEqual({
      message: 'Unexpected error. If it persists, contact support with request id req_xyz.',
      path: ['events'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req_xyz' },
    });
    expect(lines.join('')).toContain('req_xyz');
    expect(lines.join('')).toContain('connection to 10.0.0.5 refused');
  });
});

describe('HTTP basics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('gives every response an X-Request-Id of its own, never the one a client sent (that one is kept beside it)', async () => {
    const generated = await http(`${app.url}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{20}$/);
    const sent = await http(`${app.url}/healthz`, { headers: { 'x-request-id': 'trace-42.abc' } });
    expect(sent.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{20}$/);
    expect(sent.headers.get('x-request-id')).not.toBe(generated.headers.get('x-request-id'));
    const graphql = await http(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ viewer { role } }"}',
    });
    expect(graphql.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const result = await http(`${app.url}/nope`);
    expect(result.status).toBe(404);
    expect(result.text).toBe('{"error":"not_found","message":"No route for GET /nope."}');
    expect(result.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('an unexpected failure is a 500 / INTERNAL_SERVER_ERROR naming the request id, never the cause', async () => {
    const { createSeedShapedEvent } = await import('../support/factories.ts');
    const { postRegistration, registrationBody } = await import('../support/rest.ts');
    const { graphql } = await import('../support/http.ts');
    const seed = await createSeedShapedEvent(app.deps);
    // Break the database under the running server: the attendees table disappears.
    await app.deps.prisma.$executeRawUnsafe('ALTER TABLE attendees RENAME TO attendees_away');
    try {
      const rest = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey, headers: { 'x-request-id': 'trace-500' } });
      expect(rest.status).toBe(500);
      const restId = rest.headers.get('x-request-id');
      expect(rest.text).toBe(`{"error":"server_error","message":"Unexpected error on our end. If it persists, contact support with request id ${restId}."}`);

      await app.deps.prisma.$executeRawUnsafe('ALTER TABLE api_keys RENAME TO api_keys_away');
      const gql = await graphql(app.url, '{ apiKeys { id } }', { token: seed.owner.token, headers: { 'x-request-id': 'trace-gql' } });
      const gqlId = gql.headers.get('x-request-id');
      expect(gqlId).toMatch(/^req_/);
      expect(gql.errors).toEqual([
        {
          message: `Unexpected error. If it persists, contact support with request id ${gqlId}.`,
          locations: [{ line: 1, column: 3 }],
          path: ['apiKeys'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: gqlId },
        },
      ]);
    } finally {
      await app.deps.prisma.$executeRawUnsafe('ALTER TABLE IF EXISTS attendees_away RENAME TO attendees');
      await app.deps.prisma.$executeRawUnsafe('ALTER TABLE IF EXISTS api_keys_away RENAME TO api_keys');
    }
  });

  it('serves GraphiQL to a browser at /graphql', async () => {
    const result = await http(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toContain('text/html');
    expect(result.text).toContain('EventoGate GraphQL');
  });
});
