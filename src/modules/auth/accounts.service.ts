import type { Deps } from '../../deps.ts';
import type { Session, User } from '../../generated/prisma/client.ts';
import { type Actor, requireActor } from '../../lib/actor.ts';
import { AppError, invalidField, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { afterFailedLogIn, afterLogIn, beforeLogIn, takeLimit, tryTakeLimit } from './abuse-limits.ts';
import { sendAccountEmail } from './account-emails.ts';
import { ChangePasswordInput, RequestPasswordResetInput, ResetPasswordInput, RevokeSessionInput, VerifyEmailInput } from './auth.schemas.ts';
import { type AuthResult, createSession, issueVerification } from './auth.service.ts';

import { newOneTimeToken, presentedTokenHash, type TokenKind } from './one-time-tokens.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

/**
 * The account's mailbox owner is its owner (CONTRACT §3): email verification, password reset, password change,
 * and the sessions a user can see and end. Tokens are single-use; a reset or a change of password ends the
 * user's other sessions (and their live subscriptions) everywhere.
 */

function requireUser(actor: Actor): Extract<Actor, { kind: 'user' }> {
  const authenticated = requireActor(actor);
  if (authenticated.kind !== 'user') throw new AppError('FORBIDDEN', 'Only a dashboard session can do this.');
  return authenticated;
}

/** Uses a token of `kind` once: returns its user, or null if it is unknown, used or expired. */
async function consumeUserToken(deps: Deps, kind: Exclude<TokenKind, 'invitation'>, token: string): Promise<string | null> {
  const tokenHash = presentedTokenHash(kind, token);
  if (!tokenHash) return null;
  const used = await deps.prisma.userToken.updateManyAndReturn({
    where: { tokenHash, kind, usedAt: null, expiresAt: { gt: deps.clock.now() } },
    data: { usedAt: deps.clock.now() },
    select: { userId: true },
  });
  return used[0]?.userId ?? null;
}

export async function verifyEmail(deps: Deps, options: { input: unknown }): Promise<User> {
  const input = parseInput(VerifyEmailInput, options.input);
  const userId = await consumeUserToken(deps, 'verify_email', input.token);
  if (!userId) throw invalidField('token', 'The token is invalid, used or expired.');
  return await deps.prisma.user.update({ where: { id: userId }, data: { emailVerifiedAt: deps.clock.now() } });
}

export async function resendVerificationEmail(deps: Deps, options: { actor: Actor }): Promise<boolean> {
  const actor = requireUser(options.actor);
  await takeLimit(deps, (l) => l.verificationByUser, actor.userId, 'verification emails');
  const user = await deps.prisma.user.findUniqueOrThrow({ where: { id: actor.userId } });
  if (user.emailVerifiedAt) return true;
  await deps.db.transaction((tx) => issueVerification(deps, tx, { userId: user.id, email: user.email, name: user.name }));
  return true;
}

/**
 * Always answers true, whether or not the email has an account (no existence oracle). An account gets an egr_
 * token (1 h, one use); at most 3 an hour per email, 10 an hour per client address.
 */
export async function requestPasswordReset(deps: Deps, options: { input: unknown; clientIp: string }): Promise<boolean> {
  await takeLimit(deps, (l) => l.passwordResetByIp, options.clientIp, 'password reset requests from this address');
  const input = parseInput(RequestPasswordResetInput, options.input);
  if (!(await tryTakeLimit(deps, (l) => l.passwordResetByEmail, input.email))) return true;
  const user = await deps.prisma.user.findUnique({ where: { email: input.email } });
  if (!user) return true;
  const { token, tokenHash, expiresAt } = newOneTimeToken('reset_password', deps.clock.nowMs());
  await deps.db.transaction(async (tx) => {
    await tx.userToken.create({ data: { id: newId('userToken'), userId: user.id, kind: 'reset_password', tokenHash, expiresAt } });
    await sendAccountEmail(deps, tx, { to: user.email, kind: 'reset_password', token, name: user.name });
  });
  return true;
}

/**
 * For an operator (the CLI): an egr_ reset token for the account with this email, returned rather than mailed,
 * for a user who cannot receive mail. Same token rules as requestPasswordReset (1 h, one use).
 */
export async function issuePasswordReset(deps: Deps, options: { email: string }): Promise<{ token: string; expiresAt: Date }> {
  const { email } = parseInput(RequestPasswordResetInput, { email: options.email });
  const user = await deps.prisma.user.findUnique({ where: { email } });
  if (!user) throw notFound('User');
  const { token, tokenHash, expiresAt } = newOneTimeToken('reset_password', deps.clock.nowMs());
  await deps.prisma.userToken.create({ data: { id: newId('userToken'), userId: user.id, kind: 'reset_password', tokenHash, expiresAt } });
  return { token, expiresAt };
}

/** Sets a new password with an egr_ token: proves the mailbox (verified), ends every session, starts a new one. */
export async function resetPassword(deps: Deps, options: { input: unknown }): Promise<AuthResult> {
  const input = parseInput(ResetPasswordInput, options.input);
  const passwordHash = await hashPassword(input.password);
  const userId = await consumeUserToken(deps, 'reset_password', input.token);
  if (!userId) throw invalidField('token', 'The token is invalid, used or expired.');
  const result = await deps.prisma.$transaction(async (tx) => {
    const user = await tx.user.update({
      where: { id: userId },
      data: { passwordHash, emailVerifiedAt: deps.clock.now() },
      include: { memberships: { orderBy: { createdAt: 'asc' } } },
    });
    await tx.session.deleteMany({ where: { userId } });
    await tx.userToken.updateMany({ where: { userId, kind: 'reset_password', usedAt: null }, data: { usedAt: deps.clock.now() } });
    const membership = user.memberships[0];
    const session = membership
      ? { ...(await createSession(deps, tx, userId, membership.organisationId)), userId, organisationId: membership.organisationId }
      : null;
    return { email: user.email, session };
  });
  await deps.credentialWatch.revoke({ kind: 'user', userId, ...(result.session ? { exceptSessionId: result.session.sessionId } : {}) });
  // The mailbox owner is back in: earlier failed guesses no longer lock them out.
  await afterLogIn(deps, { email: result.email });
  if (!result.session) throw new AppError('FORBIDDEN', 'Your password was reset, but you are not a member of any organisation.');
  return result.session;
}

/** Needs the current password (under the log-in limits); ends every other session of the user. */
export async function changePassword(deps: Deps, options: { actor: Actor; input: unknown; clientIp: string }): Promise<boolean> {
  const actor = requireUser(options.actor);
  const input = parseInput(ChangePasswordInput, options.input);
  const user = await deps.prisma.user.findUniqueOrThrow({ where: { id: actor.userId } });
  await beforeLogIn(deps, { email: user.email, ip: options.clientIp });
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await afterFailedLogIn(deps, { email: user.email, ip: options.clientIp });
    throw invalidField('currentPassword', 'The current password is not correct.');
  }
  const passwordHash = await hashPassword(input.newPassword);
  await deps.prisma.$transaction([
    deps.prisma.user.update({ where: { id: user.id }, data: { passwordHash } }),
    deps.prisma.session.deleteMany({ where: { userId: user.id, id: { not: actor.sessionId } } }),
  ]);
  await deps.credentialWatch.revoke({ kind: 'user', userId: user.id, exceptSessionId: actor.sessionId });
  return true;
}

export type SessionView = Pick<Session, 'id' | 'createdAt' | 'lastUsedAt' | 'expiresAt' | 'organisationId'> & { current: boolean };

/** The caller's own sessions (every organisation), newest first. */
export async function listSessions(deps: Deps, options: { actor: Actor }): Promise<SessionView[]> {
  const actor = requireUser(options.actor);
  const sessions = await deps.prisma.session.findMany({
    where: { userId: actor.userId, expiresAt: { gt: deps.clock.now() } },
    orderBy: { createdAt: 'desc' },
    select: { id: true, createdAt: true, lastUsedAt: true, expiresAt: true, organisationId: true },
  });
  return sessions.map((s) => ({ ...s, current: s.id === actor.sessionId }));
}

export async function revokeSession(deps: Deps, options: { actor: Actor; input: unknown }): Promise<boolean> {
  const actor = requireUser(options.actor);
  const input = parseInput(RevokeSessionInput, options.input);
  const id = parseId('session', input.id);
  const deleted = id ? await deps.prisma.session.deleteMany({ where: { id, userId: actor.userId } }) : { count: 0 };
  if (deleted.count === 0) throw notFound('Session');
  await deps.credentialWatch.revoke({ kind: 'session', sessionId: id! });
  return true;
}
