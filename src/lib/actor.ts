import type { ApiKeyEnvironment, Role } from '../generated/prisma/enums.ts';
import { forbidden, unauthenticated } from './errors.ts';

/**
 * Who is calling. Every service takes one and scopes what it reads and writes to `organisationId`. `requestId`
 * (set by the transport) lets the audit log name the request that did something.
 */
export type Actor =
  | {
      kind: 'user';
      userId: string;
      organisationId: string;
      role: Role;
      sessionId: string;
      sessionExpiresAt?: Date;
      requestId?: string;
      clientRequestId?: string | null;
    }
  | {
      kind: 'apiKey';
      apiKeyId: string;
      keyPrefix: string;
      organisationId: string;
      environment: ApiKeyEnvironment;
      requestId?: string;
      clientRequestId?: string | null;
    }
  | { kind: 'anonymous'; rejected: RejectedCredential | null };

/** Why credentials that were sent did not authenticate; each has its own message. */
export type RejectedCredential = 'invalid_api_key' | 'revoked_api_key' | 'invalid_session';

export const REJECTION_MESSAGES: Record<RejectedCredential, string> = {
  invalid_api_key: 'Invalid API key. Check the key, or create one under Settings → API Keys.',
  revoked_api_key: 'This API key has been revoked. Create a new one under Settings → API Keys.',
  invalid_session: 'The session token is invalid or has expired. Log in again.',
};

export type AuthenticatedActor = Exclude<Actor, { kind: 'anonymous' }>;

export type Permission =
  | 'events:read'
  | 'events:write'
  | 'attendees:read'
  | 'attendees:write'
  | 'attendees:manage'
  /** Erase one attendee's personal data (the REST DELETE an integrator's user asks for). */
  | 'attendees:erase'
  | 'check-ins:write'
  | 'check-ins:undo'
  | 'api-keys:manage'
  | 'webhooks:manage'
  | 'members:manage'
  | 'organisation:manage'
  /** Zones, scanner devices, ticket signing keys. */
  | 'door:manage';

const STAFF: readonly Permission[] = ['events:read', 'attendees:read', 'check-ins:write'];
const ADMIN: readonly Permission[] = [
  ...STAFF,
  'events:write',
  'attendees:write',
  'attendees:manage',
  'attendees:erase',
  'check-ins:undo',
  'api-keys:manage',
  'webhooks:manage',
  'members:manage',
  'organisation:manage',
  'door:manage',
];

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = { OWNER: ADMIN, ADMIN, STAFF };

/** API keys act for integrators: read events, register and read attendees, check in. Never administration. */
const API_KEY_PERMISSIONS: readonly Permission[] = ['events:read', 'attendees:read', 'attendees:write', 'attendees:erase', 'check-ins:write'];

export function requireActor(actor: Actor): AuthenticatedActor {
  if (actor.kind === 'anonymous') {
    throw unauthenticated(
      actor.rejected ? REJECTION_MESSAGES[actor.rejected] : 'Authentication required: send Authorization: Bearer <session token or API key>.',
    );
  }
  return actor;
}

export function can(actor: AuthenticatedActor, permission: Permission): boolean {
  const granted = actor.kind === 'user' ? ROLE_PERMISSIONS[actor.role] : API_KEY_PERMISSIONS;
  return granted.includes(permission);
}

/** The caller, if authenticated and allowed `permission`; otherwise UNAUTHENTICATED or FORBIDDEN. */
export function authorize(actor: Actor, permission: Permission): AuthenticatedActor {
  const authenticated = requireActor(actor);
  if (!can(authenticated, permission)) {
    throw forbidden(
      authenticated.kind === 'apiKey'
        ? 'API keys cannot perform this action; sign in to the dashboard as an owner or admin.'
        : `Your role (${authenticated.role}) does not allow this action.`,
    );
  }
  return authenticated;
}

/** Test-mode data comes from eg_test_ keys only. */
export function isTestMode(actor: AuthenticatedActor): boolean {
  return actor.kind === 'apiKey' && actor.environment === 'TEST';
}

/** The same actor, naming the request it acts in (for the audit log). */
export function inRequest<A extends Actor>(actor: A, requestId: string, clientRequestId: string | null = null): A {
  return actor.kind === 'anonymous' ? actor : { ...actor, requestId, clientRequestId };
}

/** What a device token authenticates as: one device of one event, nothing else. */
export interface DeviceActor {
  deviceId: string;
  organisationId: string;
  eventId: string;
  zoneId: string | null;
}
