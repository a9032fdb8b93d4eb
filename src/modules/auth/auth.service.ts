import { hash, verify } from '@node-rs/argon2';
import type { Deps } from '../../deps.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { AppError, invalidField, isUniqueViolation, unauthenticated } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { findApiKeyActor, looksLikeApiKey } from '../api-keys/api-keys.service.ts';
import type { Actor } from './actor.ts';
import { LogInInput, SignUpInput } from './auth.schemas.ts';

const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const SESSION_TOKEN_PREFIX = 'egs_';

// Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
const DUMMY_HASH = await hash(randomToken(16));

export interface AuthResult {
  token: string;
  sessionId: string;
  userId: string;
  organisationId: string;
}

/** Creates a user, their organisation (they are its OWNER) and a first session. */
export async function signUp(deps: Deps, options: { input: unknown }): Promise<AuthResult> {
  const input = parseInput(SignUpInput, options.input);
  // argon2id with the library's defaults (19 MiB, t=2), the OWASP baseline.
  const passwordHash = await hash(input.password);
  try {
    return await deps.prisma.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { id: newId('user'), email: input.email, name: input.name, passwordHash } });
      const organisation = await tx.organisation.create({ data: { id: newId('organisation'), name: input.organisationName } });
      await tx.membership.create({
        data: { id: newId('membership'), userId: user.id, organisationId: organisation.id, role: 'OWNER' },
      });
      const session = await createSession(tx, user.id, organisation.id);
      return { ...session, userId: user.id, organisationId: organisation.id };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw invalidField('email', 'The email has already been taken.');
    throw error;
  }
}

export async function logIn(deps: Deps, options: { input: unknown }): Promise<AuthResult> {
  const input = parseInput(LogInInput, options.input);
  const user = await deps.prisma.user.findUnique({
    where: { email: input.email },
    include: { memberships: { orderBy: { createdAt: 'asc' } } },
  });
  const valid = await verify(user?.passwordHash ?? DUMMY_HASH, input.password);
  if (!user || !valid) throw unauthenticated('Invalid email or password.');
  const membership = input.organisationId ? user.memberships.find((m) => m.organisationId === input.organisationId) : user.memberships[0];
  if (!membership) {
    throw new AppError('FORBIDDEN', input.organisationId ? 'You are not a member of that organisation.' : 'You are not a member of any organisation.');
  }
  const session = await createSession(deps.prisma, user.id, membership.organisationId);
  return { ...session, userId: user.id, organisationId: membership.organisationId };
}

/** Ends the session whose token authenticated this request. */
export async function logOut(deps: Deps, options: { actor: Actor }): Promise<boolean> {
  if (options.actor.kind !== 'user') throw unauthenticated('Only a dashboard session can log out.');
  await deps.prisma.session.deleteMany({ where: { id: options.actor.sessionId } });
  return true;
}

async function createSession(db: Pick<Deps['prisma'], 'session'>, userId: string, organisationId: string): Promise<{ token: string; sessionId: string }> {
  const token = `${SESSION_TOKEN_PREFIX}${randomToken(32)}`;
  const sessionId = newId('session');
  await db.session.create({
    data: {
      id: sessionId,
      userId,
      organisationId,
      tokenHash: sha256Hex(token),
      expiresAt: new Date(Date.now() + SESSION_TTL_MS),
    },
  });
  return { token, sessionId };
}

/**
 * Resolves the caller from `Authorization: Bearer <session token | API key>` or the legacy `X-API-Key`.
 * Credentials that were sent but do not resolve give an anonymous actor marked `rejectedCredentials`, so
 * public operations still work and protected ones say precisely why they refuse.
 */
export async function authenticate(deps: Deps, headers: { authorization?: string | null; apiKey?: string | null }): Promise<Actor> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  const credential = bearer ?? headers.apiKey?.trim() ?? null;
  if (!credential) return { kind: 'anonymous', rejected: headers.authorization ? 'invalid_session' : null };
  if (looksLikeApiKey(credential)) return await findApiKeyActor(deps, credential);
  const rejected: Actor = { kind: 'anonymous', rejected: 'invalid_session' };
  if (!credential.startsWith(SESSION_TOKEN_PREFIX)) return rejected;
  const session = await deps.prisma.session.findUnique({
    where: { tokenHash: sha256Hex(credential) },
    select: { id: true, userId: true, organisationId: true, expiresAt: true },
  });
  if (!session || session.expiresAt.getTime() <= Date.now()) return rejected;
  const membership = await deps.prisma.membership.findUnique({
    where: { userId_organisationId: { userId: session.userId, organisationId: session.organisationId } },
    select: { role: true },
  });
  // Removed from the organisation since logging in: the session no longer grants anything.
  if (!membership) return rejected;
  return {
    kind: 'user',
    userId: session.userId,
    organisationId: session.organisationId,
    role: membership.role,
    sessionId: session.id,
    sessionExpiresAt: session.expiresAt,
  };
}
