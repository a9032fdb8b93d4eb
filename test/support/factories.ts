import { randomBytes } from 'node:crypto';
import type { Deps } from '../../src/deps.ts';
import type { Actor } from '../../src/lib/actor.ts';
import { newId } from '../../src/lib/ids.ts';
import { createApiKey } from '../../src/modules/api-keys/api-keys.service.ts';
import { signUp } from '../../src/modules/auth/auth.service.ts';
import { createEvent } from '../../src/modules/events/events.service.ts';

/** Factories build data through the real services, with unique defaults and per-call overrides. */

export function uniqueEmail(label = 'user'): string {
  return `${label}.${randomBytes(5).toString('hex')}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  email: string;
  token: string;
  sessionId: string;
  userId: string;
  organisationId: string;
  actor: Actor;
}

export async function createUser(deps: Deps, overrides: { email?: string; organisationName?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail();
  const result = await signUp(deps, {
    input: { email, password: PASSWORD, name: 'Test User', organisationName: overrides.organisationName ?? 'Test Org' },
  });
  return {
    email,
    ...result,
    actor: { kind: 'user', userId: result.userId, organisationId: result.organisationId, role: 'OWNER', sessionId: result.sessionId },
  };
}

/** Another user in an existing organisation with the given role, logged in. */
export async function addMember(deps: Deps, organisationId: string, role: 'ADMIN' | 'STAFF'): Promise<TestUser> {
  const user = await createUser(deps);
  await deps.prisma.membership.create({ data: { id: newId('membership'), userId: user.userId, organisationId, role } });
  // The member's session acts for the organisation they were added to.
  await deps.prisma.session.update({ where: { id: user.sessionId }, data: { organisationId } });
  return { ...user, organisationId, actor: { kind: 'user', userId: user.userId, organisationId, role, sessionId: user.sessionId } };
}

export async function createTestEvent(deps: Deps, actor: Actor, overrides: Record<string, unknown> = {}) {
  return await createEvent(deps, {
    actor,
    input: {
      name: 'Q1 Product Workshop',
      startsAt: new Date('2027-03-01T09:00:00Z'),
      endsAt: new Date('2027-03-01T17:00:00Z'),
      timezone: 'Europe/London',
      ...overrides,
    },
  });
}

export async function createTestApiKey(deps: Deps, actor: Actor, environment: 'LIVE' | 'TEST' = 'LIVE') {
  return await createApiKey(deps, { actor, input: { name: `${environment} key`, environment } });
}

/**
 * An organisation set up like the seed page's example: event with ticket types general and vip, fields
 * company and job_title, and a live and a test key.
 */
export async function createSeedShapedEvent(deps: Deps, eventOverrides: Record<string, unknown> = {}) {
  const { createTicketType } = await import('../../src/modules/ticket-types/ticket-types.service.ts');
  const { createCustomField } = await import('../../src/modules/custom-fields/custom-fields.service.ts');
  const owner = await createUser(deps);
  const event = await createTestEvent(deps, owner.actor, eventOverrides);
  await createTicketType(deps, { actor: owner.actor, input: { eventId: event.id, name: 'VIP', slug: 'vip' } });
  await createCustomField(deps, { actor: owner.actor, input: { eventId: event.id, fieldKey: 'company', fieldLabel: 'Company', fieldType: 'TEXT' } });
  await createCustomField(deps, { actor: owner.actor, input: { eventId: event.id, fieldKey: 'job_title', fieldLabel: 'Job Title', fieldType: 'TEXT' } });
  const live = await createTestApiKey(deps, owner.actor, 'LIVE');
  const test = await createTestApiKey(deps, owner.actor, 'TEST');
  const liveActor = {
    kind: 'apiKey',
    apiKeyId: live.apiKey.id,
    keyPrefix: live.apiKey.prefix,
    organisationId: owner.organisationId,
    environment: 'LIVE',
  } satisfies Actor;
  return { owner, event, liveKey: live.secret, testKey: test.secret, liveKeyId: live.apiKey.id, liveActor };
}

/** A stored Idempotency-Key row of the seed's live key, expiring at `expiresAt` (for the cleanup's cut-offs). */
export function idempotencyKeyRow(seed: { owner: { organisationId: string }; liveKeyId: string }, expiresAt: Date) {
  return {
    id: newId('idempotencyKey'),
    organisationId: seed.owner.organisationId,
    apiKeyId: seed.liveKeyId,
    key: newId('idempotencyKey'),
    method: 'POST',
    path: '/x',
    requestHash: 'h',
    expiresAt,
  };
}
