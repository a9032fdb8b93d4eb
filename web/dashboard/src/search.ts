/**
 * The search parameters of the screens that keep their state in the address (filters, paging, the one-time tokens
 * of email links), parsed leniently: anything missing or malformed is simply absent. Every key is optional, so a
 * link may name none of them.
 */
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export const tokenSearch = (search: Record<string, unknown>): { token?: string } => ({ token: text(search.token) });

export const redirectSearch = (search: Record<string, unknown>): { redirect?: string } => ({ redirect: text(search.redirect) });

export interface AttendeeSearch {
  q?: string;
  status?: string;
  checkedIn?: 'yes' | 'no';
  order?: string;
  after?: string;
  before?: string;
}

export const attendeeSearch = (search: Record<string, unknown>): AttendeeSearch => ({
  q: text(search.q),
  status: text(search.status),
  checkedIn: search.checkedIn === 'yes' || search.checkedIn === 'no' ? search.checkedIn : undefined,
  order: text(search.order),
  after: text(search.after),
  before: text(search.before),
});

export interface EventSearch {
  q?: string;
  status?: string;
  order?: string;
  after?: string;
}

export const eventSearch = (search: Record<string, unknown>): EventSearch => ({
  q: text(search.q),
  status: text(search.status),
  order: text(search.order),
  after: text(search.after),
});

export interface AuditSearch {
  action?: string;
  after?: string;
}

export const auditSearch = (search: Record<string, unknown>): AuditSearch => ({ action: text(search.action), after: text(search.after) });

export interface DeliverySearch {
  status?: string;
  after?: string;
}

export const deliverySearch = (search: Record<string, unknown>): DeliverySearch => ({ status: text(search.status), after: text(search.after) });

export interface DoorSearch {
  outcome?: string;
  after?: string;
}

export const doorSearch = (search: Record<string, unknown>): DoorSearch => ({ outcome: text(search.outcome), after: text(search.after) });
