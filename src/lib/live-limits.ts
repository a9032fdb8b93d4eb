import { AppError } from './errors.ts';

export interface LiveLimitSettings {
  perSocket: number;
  perCredential: number;
  perOrganisation: number;
}

/** Who holds a live subscription: the connection it travels on, the credential that opened it, its organisation. */
export interface LiveHolder {
  /** The graphql-ws socket (several subscriptions share one); absent for SSE, one subscription per request. */
  socket?: object | undefined;
  /** `session:…`, `key:…` or `device:…`. */
  credential: string;
  organisationId: string;
}

/**
 * Caps on live subscriptions in this process — graphql-ws and SSE subscriptions and devices' occupancy streams
 * alike — per socket, per credential and per organisation: a caller cannot make one change cost a thousand
 * deliveries, nor hold every slot of its organisation's neighbours. Over a cap the subscription is refused with
 * RATE_LIMITED; ending a subscription frees its slot.
 */
export class LiveLimits {
  readonly #bySocket = new WeakMap<object, number>();
  readonly #byCredential = new Map<string, number>();
  readonly #byOrganisation = new Map<string, number>();

  constructor(private readonly limits: LiveLimitSettings) {}

  /** Takes a slot, or throws RATE_LIMITED naming the cap; the returned function gives it back (once). */
  acquire(holder: LiveHolder): () => void {
    const socket = holder.socket ? (this.#bySocket.get(holder.socket) ?? 0) : 0;
    if (holder.socket && socket >= this.limits.perSocket) throw refused(`${this.limits.perSocket} per connection`);
    if ((this.#byCredential.get(holder.credential) ?? 0) >= this.limits.perCredential) throw refused(`${this.limits.perCredential} per credential`);
    if ((this.#byOrganisation.get(holder.organisationId) ?? 0) >= this.limits.perOrganisation) {
      throw refused(`${this.limits.perOrganisation} per organisation`);
    }
    if (holder.socket) this.#bySocket.set(holder.socket, socket + 1);
    add(this.#byCredential, holder.credential, 1);
    add(this.#byOrganisation, holder.organisationId, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (holder.socket) this.#bySocket.set(holder.socket, Math.max(0, (this.#bySocket.get(holder.socket) ?? 1) - 1));
      add(this.#byCredential, holder.credential, -1);
      add(this.#byOrganisation, holder.organisationId, -1);
    };
  }

  /** Subscriptions this process holds for an organisation (for tests and metrics). */
  held(organisationId: string): number {
    return this.#byOrganisation.get(organisationId) ?? 0;
  }
}

function add(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

function refused(cap: string): AppError {
  return new AppError('RATE_LIMITED', `Too many live subscriptions (at most ${cap}). End some before starting another.`, { retryAfter: 10 });
}
