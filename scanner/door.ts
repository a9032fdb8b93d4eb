import { Offline, type Outcome, type ScannerApi, type ScanUpload, ServerError, Unpaired } from './api.ts';
import { decideLocally, type LocalDecision, refusalOf } from './local.ts';
import { type QueuedScan, type Synced, type SyncedAttendee, saveLocalEntries, saveQueue, saveSynced } from './store.ts';

/**
 * One paired device's door: the synced ticket list, the scans waiting to upload and this device's own entries.
 * It answers a scan online when it can and decides it on the phone when the network is gone (queueing it), syncs
 * and uploads one run at a time however many triggers arrive (the interval, the `online` event, a pairing link),
 * and reports every failure as what it is.
 */

/** What the page shows for a scan. */
export interface ScanAnswer {
  outcome: Outcome;
  name: string;
  ticketType: string | null;
  reason: string | null;
  first: { scanned_at: string; device_id: string | null } | null;
  /** Decided on the phone: why (no network, or the server's failure, named). */
  decidedHere: 'offline' | `server error ${number}` | null;
}

/** How the last sync went, for the status line. */
export type SyncStatus =
  | { kind: 'synced'; at: string; tickets: number }
  | { kind: 'offline'; lastSyncedAt: string | null }
  | { kind: 'unpaired' }
  | { kind: 'failed'; message: string; lastSyncedAt: string | null };

export interface DoorEvents {
  onConflict(text: string): void;
  onPendingChange(count: number): void;
  describeDoor(deviceId: string | null): string;
  time(iso: string): string;
}

export class Door {
  synced: Synced | null;
  queue: QueuedScan[];
  entries: Record<string, string>;
  #byHash = new Map<string, SyncedAttendee>();
  #syncing: Promise<SyncStatus> | null = null;
  #uploading: Promise<void> | null = null;

  constructor(
    private readonly api: ScannerApi,
    saved: { synced: Synced | null; queue: QueuedScan[]; entries: Record<string, string> },
    private readonly events: DoorEvents,
  ) {
    this.synced = saved.synced;
    this.queue = saved.queue;
    this.entries = saved.entries;
    this.#index();
  }

  /** Pages from the last cursor until has_more is false, then uploads the queue. One run at a time: a call while one runs joins it. */
  sync(): Promise<SyncStatus> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #sync(): Promise<SyncStatus> {
    try {
      let cursor = this.synced?.cursor ?? null;
      let synced = this.synced;
      for (;;) {
        const page = await this.api.sync({ cursor, pending: this.queue.length });
        const attendees = { ...(synced?.attendees ?? {}) };
        for (const a of page.attendees) {
          if (a.deleted) delete attendees[a.id];
          else attendees[a.id] = a as SyncedAttendee;
        }
        synced = { ...page, attendees, cursor: page.cursor, syncedAt: new Date().toISOString() };
        cursor = page.cursor;
        if (!page.has_more) break;
      }
      this.synced = synced as Synced;
      await saveSynced(this.synced);
      this.#index();
      await this.upload();
      return { kind: 'synced', at: this.synced.syncedAt as string, tickets: Object.keys(this.synced.attendees).length };
    } catch (error) {
      return this.#failure(error);
    }
  }

  #failure(error: unknown): SyncStatus {
    const lastSyncedAt = this.synced?.syncedAt ?? null;
    if (error instanceof Offline) return { kind: 'offline', lastSyncedAt };
    if (error instanceof Unpaired) return { kind: 'unpaired' };
    if (error instanceof ServerError) return { kind: 'failed', message: error.message, lastSyncedAt };
    // Not the network, not the server: a bug of this page. Shown, and logged for whoever debugs the phone.
    console.error(error);
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error), lastSyncedAt };
  }

  /** Queued scans go up in order, 500 at a time; answers the server gives differently are conflicts. One run at a time. */
  upload(): Promise<void> {
    this.#uploading ??= this.#upload().finally(() => {
      this.#uploading = null;
    });
    return this.#uploading;
  }

  async #upload(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, 500);
      const results = await this.api.upload(batch.map(({ local, ...scan }) => ({ ...scan, local_outcome: local.outcome })));
      results.forEach((result, i) => {
        const scan = batch[i] as QueuedScan;
        if (result.outcome === scan.local.outcome) return;
        const first = result.first_scan
          ? ` — first at ${this.events.time(result.first_scan.scanned_at)} (${this.events.describeDoor(result.first_scan.device_id)})`
          : '';
        const reason = result.reason ? ` (${result.reason.replace(/_/g, ' ')})` : '';
        this.events.onConflict(`${scan.local.name}: let in offline at ${this.events.time(scan.scanned_at)}, server says ${result.outcome}${reason}${first}`);
      });
      this.queue = this.queue.slice(batch.length);
      await saveQueue(this.queue);
      this.events.onPendingChange(this.queue.length);
    }
  }

  /**
   * A scan: what the camera read or was typed (`code`), or an attendee picked by name. Answered by the server when
   * there is a network; decided here (and queued) when there is none or the server fails. A bug is thrown.
   */
  async decide(code: string, options: { attendee?: SyncedAttendee; zoneId: string | null; direction: 'in' | 'out' }): Promise<ScanAnswer> {
    const target = options.attendee ? { attendee_id: options.attendee.id } : { qr_token: code };
    const scan = { nonce: crypto.randomUUID(), ...target, scanned_at: new Date().toISOString(), zone_id: options.zoneId, direction: options.direction };
    let decidedHere: ScanAnswer['decidedHere'] = 'offline';
    if (navigator.onLine) {
      try {
        const [result] = await this.api.upload([{ ...scan, offline: false } satisfies ScanUpload]);
        const attendee = result?.attendee_id ? this.synced?.attendees[result.attendee_id] : undefined;
        if (result?.outcome === 'accepted' && attendee) this.entries[attendee.id] = scan.scanned_at;
        return {
          outcome: result?.outcome ?? 'rejected',
          name: attendee ? `${attendee.first_name} ${attendee.last_name}` : '',
          ticketType: attendee?.ticket_type ?? null,
          reason: result?.reason ?? null,
          first: result?.first_scan ?? null,
          decidedHere: null,
        };
      } catch (error) {
        if (error instanceof Unpaired) return { outcome: 'rejected', name: '', ticketType: null, reason: 'device_unpaired', first: null, decidedHere: null };
        if (error instanceof ServerError) decidedHere = `server error ${error.status}`;
        else if (!(error instanceof Offline)) throw error;
      }
    }
    return await this.#decideHere(code, scan, options.attendee, decidedHere);
  }

  async #decideHere(
    code: string,
    scan: Omit<QueuedScan, 'offline' | 'local'>,
    picked: SyncedAttendee | undefined,
    decidedHere: NonNullable<ScanAnswer['decidedHere']>,
  ): Promise<ScanAnswer> {
    if (!this.synced) return { outcome: 'rejected', name: '', ticketType: null, reason: 'not_synced', first: null, decidedHere };
    const decision: LocalDecision = picked ? this.#decidePicked(picked) : await decideLocally(code, this.synced, this.#byHash, this.entries);
    const attendee = 'attendee' in decision ? decision.attendee : undefined;
    const name = attendee ? `${attendee.first_name} ${attendee.last_name}` : '';
    if (decision.outcome === 'accepted') {
      this.entries[decision.attendee.id] = scan.scanned_at;
      await saveLocalEntries(this.entries);
    }
    this.queue.push({ ...scan, offline: true, local: { outcome: decision.outcome, attendeeId: attendee?.id ?? null, name: name || code.slice(0, 12) } });
    await saveQueue(this.queue);
    this.events.onPendingChange(this.queue.length);
    return {
      outcome: decision.outcome,
      name,
      ticketType: attendee?.ticket_type ?? null,
      reason: decision.outcome === 'rejected' ? decision.reason : null,
      first: decision.outcome === 'duplicate' ? { scanned_at: decision.firstAt, device_id: null } : null,
      decidedHere,
    };
  }

  /** An attendee found by name: no code to check, only their status and this device's entries. */
  #decidePicked(attendee: SyncedAttendee): LocalDecision {
    const refusal = refusalOf(attendee);
    if (refusal) return { outcome: 'rejected', reason: refusal, attendee };
    const firstAt = this.entries[attendee.id] ?? (attendee.status === 'checked_in' ? attendee.checked_in_at : null);
    return firstAt ? { outcome: 'duplicate', attendee, firstAt } : { outcome: 'accepted', attendee };
  }

  #index(): void {
    this.#byHash = new Map(Object.values(this.synced?.attendees ?? {}).map((a) => [a.token_sha256, a]));
  }
}
