import type { Db } from '../../db/prisma.ts';
import { preparedPoolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Actor } from '../../lib/actor.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { AppError, invalidField, isUniqueViolation, notFound, unauthenticated } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { afterFailedLogIn, afterLogIn, beforeLogIn, takeLimit } from './abuse-limits.ts';
import { sendAccountEmail } from './account-emails.ts';
import { LogInInput, SignUpInput, SwitchOrganisationInput } from './auth.schemas.ts';
import { findLiveSession } from './auth.sql.ts';

import { newOneTimeToken } from './one-time-tokens.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.ts';

const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const SESSION_TOKEN_PREFIX = 'egs_';

export interface AuthResult {
  token: string;
  sessionId: string;
  expiresAt: Date;
  userId: string;
  organisationId: string;
}

/**
 * Creates a user, their organisation (they are its OWNER) and a first session, and emails an egv_ token to
 * confirm the address. Until it is confirmed the account belongs to nobody in particular: an invitation or a
 * password reset sent to that mailbox lets its real owner claim it (and ends this account's sessions).
 */
export async function signUp(
  deps: Deps,
  options: { input: unknown; clientIp?: string /** The operator's own demo seed: no mailbox to confirm. */; verified?: boolean },
): Promise<AuthResult> {
  if (options.clientIp) await takeLimit(deps, (l) => l.signUpByIp, options.clientIp, 'sign-ups from this address');
  const input = parseInput(SignUpInput, options.input);
  const passwordHash = await hashPassword(input.password);
  try {
    return await deps.db.transaction(async (tx) => {
      const user = await tx.user.create({
        data: { id: newId('user'), email: input.email, name: input.name, passwordHash, emailVerifiedAt: options.verified ? deps.clock.now() : null },
      });
      const organisation = await tx.organisation.create({ data: { id: newId('organisation'), name: input.organisationName } });
      await tx.membership.create({
        data: { id: newId('membership'), userId: user.id, organisationId: organisation.id, role: 'OWNER' },
      });
      if (!options.verified) await issueVerification(deps, tx, { userId: user.id, email: user.email, name: user.name });
      const session = await createSession(deps, tx, user.id, organisation.id);
      return { ...session, userId: user.id, organisationId: organisation.id };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw invalidField('email', 'The email has already been taken.');
    throw error;
  }
}

/** A new egv_ token for `userId`, emailed in `tx`'s transaction. */
export async function issueVerification(deps: Deps, tx: Db, user: { userId: string; email: string; name: string }): Promise<void> {
  const { token, tokenHash, expiresAt } = newOneTimeToken('verify_email', deps.clock.nowMs());
  await tx.userToken.create({ data: { id: newId('userToken'), userId: user.userId, kind: 'verify_email', tokenHash, expiresAt } });
  await sendAccountEmail(deps, tx, { to: user.email, kind: 'verify_email', token, name: user.name });
}

/**
 * Checks a password, under brute-force limits (src/modules/auth/abuse-limits.ts): attempt budgets per email and
 * per client address, and an exponential lock after repeated failures that holds even for the right password.
 */
export async function logIn(deps: Deps, options: { input: unknown; clientIp?: string }): Promise<AuthResult> {
  const input = parseInput(LogInInput, options.input);
  const ip = options.clientIp ?? 'unknown';
  await beforeLogIn(deps, { email: input.email, ip });
  const user = await deps.prisma.user.findUnique({
    where: { email: input.email },
    include: { memberships: { orderBy: { createdAt: 'asc' } } },
  });
  const valid = await verifyPassword(user?.passwordHash ?? DUMMY_PASSWORD_HASH, input.password);
  if (!user || !valid) {
    await afterFailedLogIn(deps, { email: input.email, ip });
    throw unauthenticated('Invalid email or password.');
  }
  await afterLogIn(deps, { email: input.email });
  const membership = input.organisationId ? user.memberships.find((m) => m.organisationId === input.organisationId) : user.memberships[0];
  if (!membership) {
    throw new AppError('FORBIDDEN', input.organisationId ? 'You are not a member of that organisation.' : 'You are not a member of any organisation.');
  }
  const session = await createSession(deps, deps.prisma, user.id, membership.organisationId);
  return { ...session, userId: user.id, organisationId: membership.organisationId };
}

/** Ends the session whose token authenticated this request, and its subscriptions on every process. */
export async function logOut(deps: Deps, options: { actor: Actor }): Promise<boolean> {
  if (options.actor.kind !== 'user') throw unauthenticated('Only a dashboard session can log out.');
  await deps.prisma.session.deleteMany({ where: { id: options.actor.sessionId } });
  await deps.credentialWatch.revoke({ kind: 'session', sessionId: options.actor.sessionId });
  return true;
}

export async function createSession(
  deps: Pick<Deps, 'clock'>,
  db: Pick<Db, 'session'>,
  userId: string,
  organisationId: string,
): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = `${SESSION_TOKEN_PREFIX}${randomToken(32)}`;
  const sessionId = newId('session');
  const expiresAt = new Date(deps.clock.nowMs() + SESSION_TTL_MS);
  await db.session.create({ data: { id: sessionId, userId, organisationId, tokenHash: sha256Hex(token), expiresAt } });
  return { token, sessionId, expiresAt };
}

/**
 * A session of the caller in another of their organisations (the organisation switcher). The session that asked
 * ends: one browser, one current organisation.
 */
export async function switchOrganisation(deps: Deps, options: { actor: Actor; input: unknown }): Promise<AuthResult> {
  if (options.actor.kind !== 'user') throw unauthenticated('Only a dashboard session can switch organisations.');
  const actor = options.actor;
  const input = parseInput(SwitchOrganisationInput, options.input);
  const membership = await deps.prisma.membership.findUnique({
    where: { userId_organisationId: { userId: actor.userId, organisationId: input.organisationId } },
  });
  // Not a member reads exactly like no such organisation.
  if (!membership) throw notFound('Organisation');
  const session = await deps.prisma.$transaction(async (tx) => {
    await tx.session.deleteMany({ where: { id: actor.sessionId } });
    return await createSession(deps, tx, actor.userId, membership.organisationId);
  });
  await deps.credentialWatch.revoke({ kind: 'session', sessionId: actor.sessionId });
  return { ...session, userId: actor.userId, organisationId: membership.organisationId };
}

/** Dashboard session tokens start with this (the kernel routes a Bearer token by its prefix: lib/credentials.ts). */
export function looksLikeSessionToken(token: string): boolean {
  return token.startsWith(SESSION_TOKEN_PREFIX);
}

/**
 * The user a session token stands for, with the role they hold now; an anonymous actor marked `invalid_session`
 * when the session is unknown, expired, or its user was removed from the organisation since logging in.
 */
export async function authenticateSession(deps: Deps, token: string): Promise<Actor> {
  const session = await findLiveSession(preparedPoolSql(deps), sha256Hex(token));
  if (!session || session.expires_at.getTime() <= deps.clock.nowMs()) return { kind: 'anonymous', rejected: 'invalid_session' };
  deps.sessionUsage.touch(session.id);
  return {
    kind: 'user',
    userId: session.user_id,
    organisationId: session.organisation_id,
    role: session.role,
    sessionId: session.id,
    sessionExpiresAt: session.expires_at,
  };
}

/** Expired sessions, and one-time tokens a day past their expiry. */
export async function authCleanup(deps: Deps, now: Date): Promise<Record<string, number>> {
  const sessions = await deps.prisma.session.deleteMany({ where: { expiresAt: { lte: now } } });
  const tokens = await deps.prisma.userToken.deleteMany({ where: { expiresAt: { lte: new Date(now.getTime() - 24 * 3_600_000) } } });
  return { sessions: sessions.count, userTokens: tokens.count };
}
