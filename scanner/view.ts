import type { ScanAnswer, SyncStatus } from './door.ts';
import type { Synced, SyncedAttendee } from './store.ts';

/** The door page's DOM (its HTML is src/modules/scanner-page/scanner-page.ts): every write to it is here. */

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const REASONS: Record<string, string> = {
  cancelled: 'Cancelled registration',
  erased: 'Erased registration',
  waitlisted: 'On the waitlist: no ticket',
  offered: 'Seat offered, not claimed: no ticket',
  pending_approval: 'Awaiting approval: no ticket',
  declined: 'Declined registration',
  other_event: 'Ticket for another event',
  unknown_ticket: 'Unknown ticket',
  invalid_code: 'Invalid or forged code',
  not_checked_in: 'Not checked in',
  not_inside: 'Not inside this zone',
  device_unpaired: 'This device was unpaired',
  not_synced: 'Not synced yet: connect once',
};

export function show(view: 'unpaired' | 'scanner'): void {
  $('unpaired-view').hidden = view !== 'unpaired';
  $('scanner-view').hidden = view !== 'scanner';
}

export function showNotice(text: string): void {
  const notice = $('notice');
  notice.textContent = text;
  notice.hidden = false;
}

export function renderSyncStatus(status: SyncStatus): void {
  const last = (at: string | null) => (at ? `last synced ${time(at)}` : 'never synced');
  $('sync-status').textContent =
    status.kind === 'synced'
      ? `synced ${time(status.at)} · ${status.tickets} ${status.tickets === 1 ? 'ticket' : 'tickets'}`
      : status.kind === 'offline'
        ? `offline · ${last(status.lastSyncedAt)}`
        : status.kind === 'unpaired'
          ? 'This device was unpaired by the organiser.'
          : `sync failed (${status.message}) · ${last(status.lastSyncedAt)} · scans are decided on this phone`;
}

export function renderResult(answer: ScanAnswer, direction: 'in' | 'out', describeDoor: (id: string | null) => string): void {
  const panel = $('scan-result');
  panel.className = `result ${answer.outcome}`;
  // For measuring (the browser test reads them): from the camera's first frame to the answer.
  performance.mark(`eventogate:result:${answer.outcome}`);
  const title =
    answer.outcome === 'accepted'
      ? direction === 'out'
        ? 'Left'
        : 'Checked in'
      : answer.outcome === 'duplicate'
        ? `Already checked in${answer.first ? ` at ${time(answer.first.scanned_at)}${answer.first.device_id ? ` (${describeDoor(answer.first.device_id)})` : ''}` : ''}`
        : (REASONS[answer.reason ?? ''] ?? 'Refused');
  panel.replaceChildren(
    element('strong', title),
    element('span', [answer.name, answer.ticketType].filter(Boolean).join(' · ')),
    ...(answer.decidedHere ? [element('em', answer.decidedHere)] : []),
  );
}

/** A failure of this page itself (not the network, not the server's answer): said as it is. */
export function renderError(error: unknown): void {
  const panel = $('scan-result');
  panel.className = 'result rejected';
  panel.replaceChildren(element('strong', 'Error: this scan was not recorded'), element('span', error instanceof Error ? error.message : String(error)));
}

export function renderPending(count: number): void {
  $('pending-count').textContent = String(count);
}

export function addConflict(text: string): void {
  $('conflicts').append(element('li', text));
  $('conflicts-section').hidden = false;
}

export function renderHeader(synced: Synced | null): void {
  $('event-name').textContent = synced?.event.name ?? '';
  const select = $<HTMLSelectElement>('zone');
  const chosen = select.value || synced?.device.zone_id || '';
  select.replaceChildren(element('option', 'No zone'), ...(synced?.zones ?? []).map((z) => Object.assign(element('option', z.name), { value: z.id })));
  (select.firstElementChild as HTMLOptionElement).value = '';
  select.value = chosen;
  renderOccupancy(synced);
}

export function renderOccupancy(synced: Synced | null): void {
  const zone = synced?.zones.find((z) => z.id === zoneId());
  $('inside-now').textContent = zone ? `${zone.name}: ${zone.inside_now}${zone.capacity !== null ? ` / ${zone.capacity}` : ''} inside` : '';
}

/** Up to 20 attendees whose name holds the search, each a button (by keyboard as well as by touch). */
export function renderSearch(synced: Synced | null, onPick: (attendee: SyncedAttendee) => void): void {
  const query = $<HTMLInputElement>('search').value.trim().toLowerCase();
  const list = $('search-results');
  if (query.length < 2 || !synced) {
    list.replaceChildren();
    return;
  }
  const matches = Object.values(synced.attendees)
    .filter((a) => `${a.first_name} ${a.last_name}`.toLowerCase().includes(query))
    .slice(0, 20);
  list.replaceChildren(
    ...matches.map((a) => {
      const button = element('button', `${a.first_name} ${a.last_name} · ${a.ticket_type ?? ''} · ${a.status.replace('_', ' ')}`);
      button.setAttribute('type', 'button');
      button.className = 'match';
      button.addEventListener('click', () => onPick(a));
      const item = document.createElement('li');
      item.append(button);
      return item;
    }),
  );
}

export function zoneId(): string | null {
  return $<HTMLSelectElement>('zone').value || null;
}

export function direction(): 'in' | 'out' {
  return $<HTMLInputElement>('direction-out').checked ? 'out' : 'in';
}

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
}

function element(tag: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}
