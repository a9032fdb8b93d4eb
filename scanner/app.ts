import jsQR from 'jsqr';
import { decideLocally, type LocalDecision } from './local.ts';
import {
  forgetEverything,
  loadLocalEntries,
  loadQueue,
  loadSynced,
  loadToken,
  type QueuedScan,
  type Synced,
  type SyncedAttendee,
  saveLocalEntries,
  saveQueue,
  saveSynced,
  saveToken,
} from './store.ts';

/**
 * The door page (GET /scan): paired by its URL (#device=eg_dev_…), it syncs the event's tickets, scans QR codes
 * with the camera (jsQR; Linux Chromium has no BarcodeDetector) or by hand, asks the server when it can and
 * decides alone when it cannot, queueing those scans and uploading them when the network is back.
 */

const SYNC_EVERY_MS = 30_000;
const SAME_CODE_PAUSE_MS = 2_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state = {
  token: null as string | null,
  synced: null as Synced | null,
  byHash: new Map<string, SyncedAttendee>(),
  queue: [] as QueuedScan[],
  entries: {} as Record<string, string>,
  lastCode: { code: '', at: 0 },
  /** A camera read being answered: later reads wait (no second request for a slow first one). */
  deciding: false,
  uploading: false,
};

async function main(): Promise<void> {
  const paired = /#device=(eg_dev_[A-Za-z0-9_-]+)/.exec(location.hash)?.[1];
  let refusedPairing = false;
  if (paired) {
    // The token leaves the address bar (and the history) at once.
    history.replaceState(null, '', location.pathname);
    refusedPairing = !(await pairWith(paired));
  }
  // A pairing link opened while the page is open changes only the hash: start over as if it had been loaded.
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#device=')) location.reload();
  });
  state.token = (await loadToken()) ?? null;
  if (!state.token) {
    show('unpaired');
    return;
  }
  show('scanner');
  if (refusedPairing) {
    const notice = $('notice');
    notice.textContent =
      `Not paired with the new link: ${state.queue.length} ${state.queue.length === 1 ? 'scan is' : 'scans are'} still waiting to upload ` +
      'with this phone’s current pairing, and they are the only record of who came in. Connect to the network, let them upload, ' +
      'then open the link again.';
    notice.hidden = false;
  }
  state.synced = (await loadSynced()) ?? null;
  state.queue = await loadQueue();
  state.entries = await loadLocalEntries();
  indexSynced();
  renderHeader();
  renderPending();
  $('manual-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('manual-code');
    const code = input.value.trim();
    input.value = '';
    if (code) void handleCode(code, { manual: true });
  });
  $('search').addEventListener('input', renderSearch);
  $('unpair').addEventListener('click', async () => {
    const waiting = state.queue.length;
    if (waiting > 0 && !confirm(`${waiting} ${waiting === 1 ? 'scan has' : 'scans have'} not been uploaded yet and would be lost. Unpair anyway?`)) return;
    await forgetEverything();
    location.reload();
  });
  $('zone').addEventListener('change', renderHeader);
  window.addEventListener('online', () => void syncAndUpload());
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/scan-sw.js', { scope: '/scan' }).catch(() => {});
  // The list first (or the attempt, offline), so the first ticket read has a name to show.
  await syncAndUpload();
  void startCamera();
  void listenOccupancy();
  setInterval(() => void syncAndUpload(), SYNC_EVERY_MS);
}

/**
 * Pairs with a new token, unless scans queued under the current pairing would be lost: those are uploaded with the
 * current token first, and while any cannot be (offline, say), the phone stays as it is. Answers whether it paired.
 */
async function pairWith(token: string): Promise<boolean> {
  const current = await loadToken();
  if (current === token) return true;
  const queue = await loadQueue();
  if (current && queue.length > 0) {
    state.token = current;
    state.queue = queue;
    try {
      await upload();
    } catch {
      // Offline or refused: they stay queued, and so does the pairing.
    }
    if (state.queue.length > 0) return false;
  }
  await forgetEverything();
  await saveToken(token);
  state.queue = [];
  return true;
}

function show(view: 'unpaired' | 'scanner'): void {
  $('unpaired-view').hidden = view !== 'unpaired';
  $('scanner-view').hidden = view !== 'scanner';
}

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${state.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Pages from the last cursor until has_more is false; then uploads what is queued. */
async function syncAndUpload(): Promise<void> {
  try {
    let cursor = state.synced?.cursor ?? null;
    for (;;) {
      const { status, body } = await api<
        Omit<Synced, 'attendees' | 'syncedAt'> & { attendees: Array<SyncedAttendee & { deleted: boolean }>; has_more: boolean }
      >(`/v1/scanner/sync?pending=${state.queue.length}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (status === 401) {
        $('sync-status').textContent = 'This device was unpaired by the organiser.';
        return;
      }
      if (status !== 200) throw new Error(`sync ${status}`);
      const attendees = { ...(state.synced?.attendees ?? {}) };
      for (const a of body.attendees) {
        if (a.deleted) delete attendees[a.id];
        else attendees[a.id] = a;
      }
      state.synced = { ...body, attendees, cursor: body.cursor, syncedAt: new Date().toISOString() };
      cursor = body.cursor;
      if (!body.has_more) break;
    }
    await saveSynced(state.synced!);
    indexSynced();
    renderHeader();
    const tickets = Object.keys(state.synced!.attendees).length;
    $('sync-status').textContent = `synced ${time(state.synced!.syncedAt!)} · ${tickets} ${tickets === 1 ? 'ticket' : 'tickets'}`;
    await upload();
  } catch {
    $('sync-status').textContent = state.synced?.syncedAt ? `offline · last synced ${time(state.synced.syncedAt)}` : 'offline · never synced';
  }
}

function indexSynced(): void {
  state.byHash = new Map(Object.values(state.synced?.attendees ?? {}).map((a) => [a.token_sha256, a]));
}

/** Queued scans go up in order, 500 at a time; answers the server gives differently are conflicts. */
async function upload(): Promise<void> {
  if (state.uploading || state.queue.length === 0) return;
  state.uploading = true;
  try {
    while (state.queue.length > 0) {
      const batch = state.queue.slice(0, 500);
      const { status, body } = await api<{
        results: Array<{ nonce: string; outcome: string; reason: string | null; first_scan: { scanned_at: string; device_id: string | null } | null }>;
      }>('/v1/scanner/scans', {
        method: 'POST',
        body: JSON.stringify({ scans: batch.map(({ local, ...scan }) => ({ ...scan, local_outcome: local.outcome })) }),
      });
      if (status !== 200) throw new Error(`upload ${status}`);
      body.results.forEach((result, i) => {
        const scan = batch[i]!;
        if (result.outcome !== scan.local.outcome) {
          const first = result.first_scan ? ` — first at ${time(result.first_scan.scanned_at)} (${doorName(result.first_scan.device_id)})` : '';
          addConflict(
            `${scan.local.name}: let in offline at ${time(scan.scanned_at)}, server says ${result.outcome}${result.reason ? ` (${result.reason.replace(/_/g, ' ')})` : ''}${first}`,
          );
        }
      });
      state.queue = state.queue.slice(batch.length);
      await saveQueue(state.queue);
      renderPending();
    }
  } finally {
    state.uploading = false;
  }
}

/** A scan: what the camera read or was typed (`code`), or an attendee picked by name (`attendee`). */
async function handleCode(code: string, options: { manual?: boolean; attendee?: SyncedAttendee } = {}): Promise<void> {
  const now = Date.now();
  // One answer per ticket while it stays in front of the camera.
  if (!options.manual && code === state.lastCode.code && now - state.lastCode.at < SAME_CODE_PAUSE_MS) return;
  state.lastCode = { code, at: now };
  const target = options.attendee ? { attendee_id: options.attendee.id } : { qr_token: code };
  const scan = { nonce: crypto.randomUUID(), ...target, scanned_at: new Date().toISOString(), zone_id: zoneId(), direction: direction() };
  if (navigator.onLine) {
    try {
      const { status, body } = await api<{
        results: Array<{
          outcome: string;
          reason: string | null;
          attendee_id: string | null;
          first_scan: { scanned_at: string; device_id: string | null } | null;
        }>;
      }>('/v1/scanner/scans', { method: 'POST', body: JSON.stringify({ scans: [{ ...scan, offline: false }] }) });
      if (status === 200) {
        const [result] = body.results;
        const attendee = result?.attendee_id ? state.synced?.attendees[result.attendee_id] : undefined;
        if (result?.outcome === 'accepted' && attendee) state.entries[attendee.id] = scan.scanned_at;
        renderResult({
          outcome: (result?.outcome ?? 'rejected') as 'accepted' | 'duplicate' | 'rejected',
          name: attendee ? `${attendee.first_name} ${attendee.last_name}` : '',
          ticketType: attendee?.ticket_type ?? null,
          reason: result?.reason ?? null,
          first: result?.first_scan ?? null,
          offline: false,
        });
        return;
      }
      if (status === 401) {
        renderResult({ outcome: 'rejected', name: '', ticketType: null, reason: 'device_unpaired', first: null, offline: false });
        return;
      }
    } catch {
      // The network is gone after all: decided here.
    }
  }
  await decideOffline(code, scan, options.attendee);
}

async function decideOffline(code: string, scan: Omit<QueuedScan, 'offline' | 'local'>, picked?: SyncedAttendee): Promise<void> {
  if (!state.synced) {
    renderResult({ outcome: 'rejected', name: '', ticketType: null, reason: 'not_synced', first: null, offline: true });
    return;
  }
  const decision: LocalDecision = picked ? decidePicked(picked) : await decideLocally(code, state.synced, state.byHash, state.entries);
  const attendee = 'attendee' in decision ? decision.attendee : undefined;
  const name = attendee ? `${attendee.first_name} ${attendee.last_name}` : '';
  if (decision.outcome === 'accepted') {
    state.entries[decision.attendee.id] = scan.scanned_at;
    await saveLocalEntries(state.entries);
  }
  state.queue.push({ ...scan, offline: true, local: { outcome: decision.outcome, attendeeId: attendee?.id ?? null, name: name || code.slice(0, 12) } });
  await saveQueue(state.queue);
  renderPending();
  renderResult({
    outcome: decision.outcome,
    name,
    ticketType: attendee?.ticket_type ?? null,
    reason: decision.outcome === 'rejected' ? decision.reason : null,
    first: decision.outcome === 'duplicate' ? { scanned_at: decision.firstAt, device_id: null } : null,
    offline: true,
  });
}

/** An attendee found by name: no code to check, only their status and this device's entries. */
function decidePicked(attendee: SyncedAttendee): LocalDecision {
  if (attendee.status === 'cancelled') return { outcome: 'rejected', reason: 'cancelled', attendee };
  const firstAt = state.entries[attendee.id] ?? (attendee.status === 'checked_in' ? attendee.checked_in_at : null);
  return firstAt ? { outcome: 'duplicate', attendee, firstAt } : { outcome: 'accepted', attendee };
}

const REASONS: Record<string, string> = {
  cancelled: 'Cancelled registration',
  other_event: 'Ticket for another event',
  unknown_ticket: 'Unknown ticket',
  invalid_code: 'Invalid or forged code',
  not_checked_in: 'Not checked in',
  not_inside: 'Not inside this zone',
  device_unpaired: 'This device was unpaired',
  not_synced: 'Not synced yet: connect once',
};

function renderResult(result: {
  outcome: 'accepted' | 'duplicate' | 'rejected';
  name: string;
  ticketType: string | null;
  reason: string | null;
  first: { scanned_at: string; device_id: string | null } | null;
  offline: boolean;
}): void {
  const panel = $('scan-result');
  panel.className = `result ${result.outcome}`;
  // For measuring (the browser test reads them): from the camera's first frame to the answer.
  performance.mark(`eventogate:result:${result.outcome}`);
  const title =
    result.outcome === 'accepted'
      ? direction() === 'out'
        ? 'Left'
        : 'Checked in'
      : result.outcome === 'duplicate'
        ? `Already checked in${result.first ? ` at ${time(result.first.scanned_at)}${result.first.device_id ? ` (${doorName(result.first.device_id)})` : ''}` : ''}`
        : (REASONS[result.reason ?? ''] ?? 'Refused');
  panel.replaceChildren(
    element('strong', title),
    element('span', [result.name, result.ticketType].filter(Boolean).join(' · ')),
    ...(result.offline ? [element('em', 'offline')] : []),
  );
  feedback(result.outcome);
}

function feedback(outcome: 'accepted' | 'duplicate' | 'rejected'): void {
  navigator.vibrate?.(outcome === 'accepted' ? 80 : [80, 60, 80]);
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    tone.frequency.value = outcome === 'accepted' ? 880 : 220;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.12);
  } catch {
    // No sound where the browser refuses it.
  }
}

function element(tag: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

function addConflict(text: string): void {
  const list = $('conflicts');
  list.append(element('li', text));
  $('conflicts-section').hidden = false;
}

function renderPending(): void {
  $('pending-count').textContent = String(state.queue.length);
}

function renderHeader(): void {
  const synced = state.synced;
  $('event-name').textContent = synced?.event.name ?? '';
  const select = $<HTMLSelectElement>('zone');
  const chosen = select.value || synced?.device.zone_id || '';
  select.replaceChildren(element('option', 'No zone'), ...(synced?.zones ?? []).map((z) => Object.assign(element('option', z.name), { value: z.id })));
  (select.firstElementChild as HTMLOptionElement).value = '';
  select.value = chosen;
  renderOccupancy();
}

function renderOccupancy(): void {
  const zone = state.synced?.zones.find((z) => z.id === zoneId());
  $('inside-now').textContent = zone ? `${zone.name}: ${zone.inside_now}${zone.capacity !== null ? ` / ${zone.capacity}` : ''} inside` : '';
}

/** Live inside-now while online (server-sent events); the last synced numbers otherwise. */
async function listenOccupancy(): Promise<void> {
  for (;;) {
    try {
      const response = await fetch('/v1/scanner/occupancy', { headers: { authorization: `Bearer ${state.token}` } });
      if (response.status === 401 || !response.body) return;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (!data || !state.synced) continue;
          const zones = JSON.parse(data) as Array<{ zone_id: string; inside_now: number; capacity: number | null }>;
          for (const zone of state.synced.zones) zone.inside_now = zones.find((z) => z.zone_id === zone.id)?.inside_now ?? zone.inside_now;
          renderOccupancy();
        }
      }
    } catch {
      // Offline: the synced numbers stay; try again shortly.
    }
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

function renderSearch(): void {
  const query = $<HTMLInputElement>('search').value.trim().toLowerCase();
  const list = $('search-results');
  if (query.length < 2 || !state.synced) {
    list.replaceChildren();
    return;
  }
  const matches = Object.values(state.synced.attendees)
    .filter((a) => `${a.first_name} ${a.last_name}`.toLowerCase().includes(query))
    .slice(0, 20);
  list.replaceChildren(
    ...matches.map((a) => {
      // A button per match: checking someone in by name works by keyboard as well as by touch.
      const button = element('button', `${a.first_name} ${a.last_name} · ${a.ticket_type ?? ''} · ${a.status.replace('_', ' ')}`);
      button.setAttribute('type', 'button');
      button.className = 'match';
      button.addEventListener('click', () => {
        $<HTMLInputElement>('search').value = '';
        renderSearch();
        void handleCode(`attendee:${a.id}`, { manual: true, attendee: a });
      });
      const item = document.createElement('li');
      item.append(button);
      return item;
    }),
  );
}

function zoneId(): string | null {
  return $<HTMLSelectElement>('zone').value || null;
}

function direction(): 'in' | 'out' {
  return $<HTMLInputElement>('direction-out').checked ? 'out' : 'in';
}

function doorName(deviceId: string | null): string {
  if (!deviceId) return 'online';
  return state.synced?.devices.find((d) => d.id === deviceId)?.name ?? (deviceId === state.synced?.device.id ? 'this door' : 'another door');
}

function time(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
}

interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>>;
}

/** The browser's own QR reader where it has one (Android Chrome, Safari 17+), else jsQR. */
function qrReader(): (canvas: HTMLCanvasElement, image: ImageData) => Promise<string | null> {
  const Native = (globalThis as { BarcodeDetector?: new (options: { formats: string[] }) => BarcodeDetectorLike }).BarcodeDetector;
  if (Native) {
    const detector = new Native({ formats: ['qr_code'] });
    return async (canvas) => (await detector.detect(canvas))[0]?.rawValue ?? null;
  }
  return async (_canvas, image) => jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

/** The rear camera, read a few times a second. */
async function startCamera(): Promise<void> {
  const video = $<HTMLVideoElement>('camera');
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
    await video.play();
    performance.mark('eventogate:camera-ready');
  } catch {
    $('camera-status').textContent = 'No camera: type the code below.';
    return;
  }
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const read = qrReader();
  const tick = async () => {
    try {
      if (video.videoWidth > 0) {
        const scale = Math.min(1, 480 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const code = state.deciding ? null : await read(canvas, context.getImageData(0, 0, canvas.width, canvas.height));
        if (code) {
          state.deciding = true;
          await handleCode(code).finally(() => {
            state.deciding = false;
          });
        }
      }
    } finally {
      setTimeout(() => void tick(), 200);
    }
  };
  void tick();
}

void main();
