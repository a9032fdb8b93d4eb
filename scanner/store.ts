import { createStore, del, get, set } from 'idb-keyval';

/** What the device keeps between visits (IndexedDB, through idb-keyval): its token, the synced list, its queue. */

export interface SyncedAttendee {
  id: string;
  token_sha256: string;
  first_name: string;
  last_name: string;
  ticket_type: string | null;
  status: 'registered' | 'checked_in' | 'cancelled' | 'no_show' | 'waitlisted' | 'offered' | 'pending_approval' | 'declined';
  checked_in_at: string | null;
  zone_id: string | null;
}

export interface Synced {
  event: { id: string; name: string; ticket_codes: 'random' | 'signed' };
  device: { id: string; zone_id: string | null };
  devices: Array<{ id: string; name: string }>;
  zones: Array<{ id: string; name: string; capacity: number | null; inside_now: number }>;
  signing_keys: Array<{ kid: string; alg: 'Ed25519'; public_key: string }>;
  revoked_codes: string[];
  attendees: Record<string, SyncedAttendee>;
  cursor: string | null;
  syncedAt: string | null;
}

export interface QueuedScan {
  nonce: string;
  /** What the code carried; or, for someone found by name, attendee_id instead. */
  qr_token?: string;
  attendee_id?: string;
  scanned_at: string;
  zone_id: string | null;
  direction: 'in' | 'out';
  offline: true;
  /** What the device decided, to compare with the server's answer. */
  local: { outcome: 'accepted' | 'duplicate' | 'rejected'; attendeeId: string | null; name: string };
}

const store = createStore('eventogate-scanner', 'state');

export const loadToken = () => get<string>('token', store);
export const saveToken = (token: string) => set('token', token, store);
export const loadSynced = () => get<Synced>('synced', store);
export const saveSynced = (synced: Synced) => set('synced', synced, store);
export const loadQueue = async () => (await get<QueuedScan[]>('queue', store)) ?? [];
export const saveQueue = (queue: QueuedScan[]) => set('queue', queue, store);
export const loadLocalEntries = async () => (await get<Record<string, string>>('entries', store)) ?? {};
export const saveLocalEntries = (entries: Record<string, string>) => set('entries', entries, store);

/** Unpair: everything this device knew goes. */
export async function forgetEverything(): Promise<void> {
  await Promise.all(['token', 'synced', 'queue', 'entries'].map((key) => del(key, store)));
}
