import { createHmac } from 'node:crypto';
import type { Deps } from '../../deps.ts';
import type { Actor } from '../../lib/actor.ts';
import { AppError } from '../../lib/errors.ts';
import { createApiKey } from '../api-keys/index.ts';
import { signUp } from '../auth/index.ts';
import { createCustomField } from '../custom-fields/index.ts';
import { createEvent } from '../events/index.ts';
import { createTicketType } from '../ticket-types/index.ts';

export const DEMO_EMAIL = 'demo@eventogate.local';

/**
 * The demo owner's password, derived from SECRET_KEY: `eventogate demo show` can print it again (while nobody has
 * changed it) without the database ever holding it readable. Whoever has SECRET_KEY can already read every
 * secret EventoGate encrypts, so it reveals nothing new.
 */
export function demoPassword(secretKey: string): string {
  return createHmac('sha256', secretKey).update('eventogate demo owner password').digest('base64url').slice(0, 16);
}

export interface DemoSeed {
  email: string;
  password: string;
  organisationId: string;
  eventId: string;
  eventName: string;
  liveKey: string;
  testKey: string;
}

/**
 * On an empty database, a demo organisation shaped like the REST page's example (ticket types general and
 * vip, fields company and job_title) built through the real services, so it obeys every rule real data does.
 * Returns null when the database already has an organisation, or another process seeded it first.
 */
export async function seedDemo(deps: Deps): Promise<DemoSeed | null> {
  if ((await deps.prisma.organisation.count()) > 0) return null;
  const password = demoPassword(deps.secretKey);
  let session: Awaited<ReturnType<typeof signUp>>;
  try {
    session = await signUp(deps, { input: { email: DEMO_EMAIL, password, name: 'Demo Owner', organisationName: 'Demo Events Co.' }, verified: true });
  } catch (error) {
    if (error instanceof AppError && error.fieldErrors?.email) return null;
    throw error;
  }
  const actor: Actor = { kind: 'user', userId: session.userId, organisationId: session.organisationId, role: 'OWNER', sessionId: session.sessionId };

  const startsAt = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);
  startsAt.setUTCHours(9, 0, 0, 0);
  const event = await createEvent(deps, {
    actor,
    input: {
      name: 'Q1 Product Workshop',
      description: 'A hands-on workshop: the demo event EventoGate creates on first start.',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 8 * 60 * 60 * 1000),
      timezone: 'Europe/London',
      venue: 'The Example Hall, 1 Example Street, London',
      capacity: 200,
      apiConfirmationEmails: true,
    },
  });
  await createTicketType(deps, { actor, input: { eventId: event.id, name: 'VIP', slug: 'vip', capacity: 20 } });
  await createCustomField(deps, { actor, input: { eventId: event.id, fieldKey: 'company', fieldLabel: 'Company', fieldType: 'TEXT' } });
  await createCustomField(deps, { actor, input: { eventId: event.id, fieldKey: 'job_title', fieldLabel: 'Job Title', fieldType: 'TEXT' } });
  const live = await createApiKey(deps, { actor, input: { name: 'Demo live key', environment: 'LIVE' } });
  const test = await createApiKey(deps, { actor, input: { name: 'Demo test key', environment: 'TEST' } });
  return {
    email: DEMO_EMAIL,
    password,
    organisationId: session.organisationId,
    eventId: event.id,
    eventName: event.name,
    liveKey: live.secret,
    testKey: test.secret,
  };
}

export function demoBanner(demo: DemoSeed, publicUrl: string): string {
  return `
Demo organisation created (this database had none; \`npx eventogate demo show\` prints the login again):
  Dashboard     ${publicUrl}/dashboard
  Owner login   ${demo.email}  /  ${demo.password}
  Event         ${demo.eventName}  ${demo.eventId}
                ${publicUrl}/dashboard/events/${demo.eventId}
  Live API key  ${demo.liveKey}
  Test API key  ${demo.testKey}

Register an attendee:
curl -X POST ${publicUrl}/v1/events/${demo.eventId}/registrations \\
  -H "Authorization: Bearer ${demo.liveKey}" \\
  -H "Content-Type: application/json" \\
  -d '{
    "first_name": "Sarah",
    "last_name": "Chen",
    "email": "sarah@example.com",
    "phone": "+1234567890",
    "country": "US",
    "ticket_type_slug": "general",
    "custom_data": {
      "company": "Acme Corp",
      "job_title": "Product Manager"
    }
  }'
`;
}
