import type { Deps } from '../../deps.ts';
import type { AuthenticatedActor } from '../../lib/actor.ts';

const CHANNEL = 'eventogate_credential_revoked';
/** Besides notifications, every watched credential is re-checked this often (a notification can be lost). */
const RECHECK_MS = 30_000;

/** A credential stopped being valid. Published after the change committed, to every process. */
export type Revocation =
  | { kind: 'session'; sessionId: string }
  /** Every session of a user (password reset, account claimed), or all but one (password change). */
  | { kind: 'user'; userId: string; exceptSessionId?: string }
  | { kind: 'member'; userId: string; organisationId: string }
  | { kind: 'apiKey'; apiKeyId: string };

interface Watched {
  actor: AuthenticatedActor;
  end: () => void;
  timer: NodeJS.Timeout | null;
}

/**
 * Ends long-lived uses of a credential (GraphQL subscriptions over graphql-ws or SSE) the moment it stops being
 * valid: a key revoked, a session logged out, revoked or expired, a member removed, every session of a user
 * after a password reset. Revocations travel over LISTEN/NOTIFY, so a subscription on any process ends within
 * milliseconds; as a backstop (a notification lost while the listener reconnected) every watched credential is
 * re-checked against the database every 30 s and after each reconnection.
 */
export class CredentialWatch {
  readonly #watched = new Set<Watched>();
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: Pick<Deps, 'pubsub' | 'prisma' | 'logger' | 'clock'>) {}

  async start(): Promise<void> {
    await this.deps.pubsub.subscribe(CHANNEL, (payload) => {
      try {
        this.#apply(JSON.parse(payload) as Revocation);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'unreadable credential revocation');
      }
    });
    this.deps.pubsub.onReconnect(() => void this.recheck());
    this.#timer = setInterval(() => void this.recheck(), RECHECK_MS);
    this.#timer.unref();
  }

  /** After the transaction that revoked the credential committed. */
  async revoke(revocation: Revocation): Promise<void> {
    this.#apply(revocation);
    await this.deps.pubsub.publish(CHANNEL, JSON.stringify(revocation));
  }

  /** Calls `end` once when `actor`'s credential stops being valid (or its session expires). Returns an unwatch. */
  watch(actor: AuthenticatedActor, end: () => void): () => void {
    const entry: Watched = { actor, end, timer: null };
    if (actor.kind === 'user' && actor.sessionExpiresAt) {
      // setTimeout holds at most ~24.8 days; a longer session is caught by the periodic re-check.
      const ms = actor.sessionExpiresAt.getTime() - this.deps.clock.nowMs();
      if (ms < 2 ** 31 - 1) entry.timer = setTimeout(() => this.#end(entry), Math.max(0, ms));
    }
    this.#watched.add(entry);
    return () => {
      if (entry.timer) clearTimeout(entry.timer);
      this.#watched.delete(entry);
    };
  }

  /** How many credentials this process watches (subscriptions open). */
  get size(): number {
    return this.#watched.size;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Ends every watched credential the database no longer backs. */
  async recheck(): Promise<void> {
    const entries = [...this.#watched];
    if (entries.length === 0) return;
    try {
      const sessionIds = entries.flatMap((e) => (e.actor.kind === 'user' ? [e.actor.sessionId] : []));
      const apiKeyIds = entries.flatMap((e) => (e.actor.kind === 'apiKey' ? [e.actor.apiKeyId] : []));
      const [sessions, keys] = await Promise.all([
        this.deps.prisma.session.findMany({
          where: { id: { in: sessionIds }, expiresAt: { gt: this.deps.clock.now() } },
          select: { id: true, userId: true, organisationId: true, user: { select: { memberships: { select: { organisationId: true } } } } },
        }),
        this.deps.prisma.apiKey.findMany({ where: { id: { in: apiKeyIds }, revokedAt: null }, select: { id: true } }),
      ]);
      const validSessions = new Set(sessions.filter((s) => s.user.memberships.some((m) => m.organisationId === s.organisationId)).map((s) => s.id));
      const validKeys = new Set(keys.map((k) => k.id));
      for (const entry of entries) {
        const valid = entry.actor.kind === 'user' ? validSessions.has(entry.actor.sessionId) : validKeys.has(entry.actor.apiKeyId);
        if (!valid) this.#end(entry);
      }
    } catch (error) {
      // The database is away: the next re-check (or reconnection) decides.
      this.deps.logger.warn({ err: error }, 'could not re-check watched credentials');
    }
  }

  #apply(revocation: Revocation): void {
    for (const entry of [...this.#watched]) if (matches(entry.actor, revocation)) this.#end(entry);
  }

  #end(entry: Watched): void {
    if (!this.#watched.delete(entry)) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.end();
  }
}

function matches(actor: AuthenticatedActor, revocation: Revocation): boolean {
  switch (revocation.kind) {
    case 'session':
      return actor.kind === 'user' && actor.sessionId === revocation.sessionId;
    case 'user':
      return actor.kind === 'user' && actor.userId === revocation.userId && actor.sessionId !== revocation.exceptSessionId;
    case 'member':
      return actor.kind === 'user' && actor.userId === revocation.userId && actor.organisationId === revocation.organisationId;
    case 'apiKey':
      return actor.kind === 'apiKey' && actor.apiKeyId === revocation.apiKeyId;
  }
}
