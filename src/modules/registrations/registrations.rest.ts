import type { Hono } from 'hono';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../lib/errors.ts';
import { jsonResponse, jsonTextResponse, readJsonObject } from '../../rest/body.ts';
import type { AppEnv } from '../../rest/context.ts';
import { toRestError } from '../../rest/errors.ts';
import { idempotent, type StoredResponse } from '../../rest/idempotency.ts';
import { exportRegistrationsCsv } from './registrations.export.ts';
import { presentAttendee } from './registrations.present.ts';
import { getRegistration, listRegistrations } from './registrations.read.ts';
import { type Registration, registerAttendee } from './registrations.service.ts';

/** POST/GET /v1/events/{event_id}/registrations and GET …/registrations/{attendee_id} (API key routes). */
export function registrationRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.post('/v1/events/:eventId/registrations', async (c) => {
    const actor = c.get('actor');
    const eventId = c.req.param('eventId');
    const body = await readJsonObject(c);
    const respond = (registration: Registration): StoredResponse => ({
      status: 201,
      body: JSON.stringify(presentAttendee(deps, registration.attendee, registration.event.customFields)),
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
  });

  app.get('/v1/events/:eventId/registrations.csv', async (c) => {
    const chunks = await exportRegistrationsCsv(deps, { actor: c.get('actor'), eventId: c.req.param('eventId') });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return new Response(body, {
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="registrations.csv"' },
    });
  });

  app.get('/v1/events/:eventId/registrations', async (c) => {
    const page = await listRegistrations(deps, { actor: c.get('actor'), eventId: c.req.param('eventId'), query: c.req.query() });
    return jsonResponse(c, { data: page.attendees.map((a) => presentAttendee(deps, a, page.event.customFields)), next_cursor: page.nextCursor }, 200);
  });

  app.get('/v1/events/:eventId/registrations/:attendeeId', async (c) => {
    const { event, attendee } = await getRegistration(deps, {
      actor: c.get('actor'),
      eventId: c.req.param('eventId'),
      attendeeId: c.req.param('attendeeId'),
    });
    return jsonResponse(c, presentAttendee(deps, attendee, event.customFields), 200);
  });
}

function errorResponse(error: AppError, requestId: string): StoredResponse {
  const { status, body, headers } = toRestError(error, requestId);
  return { status, body: JSON.stringify(body), headers };
}
