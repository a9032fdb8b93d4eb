import { Offline, scannerApi, Unpaired } from './api.ts';
import { startCamera } from './camera.ts';
import { Door } from './door.ts';
import { feedback } from './feedback.ts';
import { accepted, type FlowState, next } from './flow.ts';
import { forgetEverything, loadLocalEntries, loadQueue, loadSynced, loadToken, type SyncedAttendee, saveToken } from './store.ts';
import {
  $,
  addConflict,
  direction,
  renderError,
  renderHeader,
  renderOccupancy,
  renderPending,
  renderResult,
  renderSearch,
  renderSyncStatus,
  show,
  showNotice,
  time,
  zoneId,
} from './view.ts';

/**
 * The door page (GET /scan): paired by its URL (#device=eg_dev_…), it syncs the event's tickets, scans QR codes
 * with the camera or by hand, asks the server when it can and decides alone when it cannot, queueing those scans
 * and uploading them when the network is back. This file wires the parts: api.ts (the typed REST client),
 * door.ts (sync, upload, decisions), flow.ts (which reads to answer), view.ts (the DOM), camera.ts, feedback.ts.
 */

const SYNC_EVERY_MS = 30_000;
const OCCUPANCY_RETRY_MS = 5_000;

async function main(): Promise<void> {
  const paired = /#device=(eg_dev_[A-Za-z0-9_-]+)/.exec(location.hash)?.[1];
  let stillWaiting = 0;
  if (paired) {
    // The token leaves the address bar (and the history) at once.
    history.replaceState(null, '', location.pathname);
    stillWaiting = await pairWith(paired);
  }
  // A pairing link opened while the page is open changes only the hash: start over as if it had been loaded.
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#device=')) location.reload();
  });
  const token = await loadToken();
  if (!token) {
    show('unpaired');
    return;
  }
  show('scanner');
  const api = scannerApi(token);
  const door: Door = new Door(
    api,
    { synced: (await loadSynced()) ?? null, queue: await loadQueue(), entries: await loadLocalEntries() },
    { onConflict: addConflict, onPendingChange: renderPending, describeDoor: (id) => describeDoor(door, id), time },
  );
  renderHeader(door.synced);
  renderPending(door.queue.length);
  // After the counter: the notice names a number the page must already show.
  if (stillWaiting > 0) {
    showNotice(
      `Not paired with the new link: ${stillWaiting} ${stillWaiting === 1 ? 'scan is' : 'scans are'} still waiting to upload ` +
        'with this phone’s current pairing, and they are the only record of who came in. Connect to the network, let them upload, ' +
        'then open the link again.',
    );
  }

  let flow: FlowState = { kind: 'ready' };
  const answer = async (code: string, options: { manual: boolean; attendee?: SyncedAttendee }) => {
    const before = flow;
    flow = next(flow, { type: 'read', code, manual: options.manual, now: Date.now() });
    if (!accepted(before, flow)) return;
    try {
      const result = await door.decide(code, { attendee: options.attendee, zoneId: zoneId(), direction: direction() });
      flow = next(flow, { type: 'answered', now: Date.now() });
      renderResult(result, direction(), (id) => describeDoor(door, id));
      feedback(result.outcome);
    } catch (error) {
      flow = next(flow, { type: 'failed' });
      console.error(error);
      renderError(error);
      feedback('rejected');
    }
  };

  $('manual-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('manual-code');
    const code = input.value.trim();
    input.value = '';
    if (code) void answer(code, { manual: true });
  });
  const pick = (attendee: SyncedAttendee) => {
    $<HTMLInputElement>('search').value = '';
    renderSearch(door.synced, pick);
    void answer(`attendee:${attendee.id}`, { manual: true, attendee });
  };
  $('search').addEventListener('input', () => renderSearch(door.synced, pick));
  $('unpair').addEventListener('click', async () => {
    const waiting = door.queue.length;
    if (waiting > 0 && !confirm(`${waiting} ${waiting === 1 ? 'scan has' : 'scans have'} not been uploaded yet and would be lost. Unpair anyway?`)) return;
    await forgetEverything();
    location.reload();
  });
  $('zone').addEventListener('change', () => renderHeader(door.synced));

  const sync = async () => {
    const status = await door.sync();
    renderSyncStatus(status);
    if (status.kind === 'synced') renderHeader(door.synced);
  };
  window.addEventListener('online', () => void sync());
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/scan-sw.js', { scope: '/scan' }).catch(() => {});
  // The list first (or the attempt, offline), so the first ticket read has a name to show.
  await sync();
  const camera = await startCamera($<HTMLVideoElement>('camera'), {
    busy: () => flow.kind === 'deciding',
    onCode: (code) => answer(code, { manual: false }),
  });
  // Browsers give the camera to secure pages only: over plain http:// on a LAN address there is none, silently.
  if (!camera && !window.isSecureContext) {
    $('camera-status').textContent =
      'No camera: this page is not on HTTPS, and phones allow the camera on HTTPS pages only. Type the code below, or serve it over HTTPS (docs/door.md, "HTTPS for the camera").';
  } else if (!camera) $('camera-status').textContent = 'No camera: type the code below.';
  void listenOccupancy(door, api);
  setInterval(() => void sync(), SYNC_EVERY_MS);
}

/**
 * Pairs with a new token, unless scans queued under the current pairing would be lost: those are uploaded with the
 * current token first, and while any cannot be (offline, say), the phone stays as it is. Answers how many still wait
 * (0: paired).
 */
async function pairWith(token: string): Promise<number> {
  const current = await loadToken();
  if (current === token) return 0;
  const queue = await loadQueue();
  if (current && queue.length > 0) {
    const door = new Door(scannerApi(current), { synced: (await loadSynced()) ?? null, queue, entries: await loadLocalEntries() }, QUIET);
    try {
      await door.upload();
    } catch {
      // Offline or refused: they stay queued, and so does the pairing.
    }
    if (door.queue.length > 0) return door.queue.length;
  }
  await forgetEverything();
  await saveToken(token);
  return 0;
}

const QUIET = { onConflict: () => {}, onPendingChange: () => {}, describeDoor: () => '', time };

/** Live inside-now while online (server-sent events); the last synced numbers otherwise. */
async function listenOccupancy(door: Door, api: ReturnType<typeof scannerApi>): Promise<void> {
  for (;;) {
    try {
      await api.occupancy((zones) => {
        if (!door.synced) return;
        for (const zone of door.synced.zones) zone.inside_now = zones.find((z) => z.zone_id === zone.id)?.inside_now ?? zone.inside_now;
        renderOccupancy(door.synced);
      });
    } catch (error) {
      if (error instanceof Unpaired) return;
      if (!(error instanceof Offline)) console.error(error);
    }
    await new Promise((resolve) => setTimeout(resolve, OCCUPANCY_RETRY_MS));
  }
}

function describeDoor(door: Door, deviceId: string | null): string {
  if (!deviceId) return 'online';
  return door.synced?.devices.find((d) => d.id === deviceId)?.name ?? (deviceId === door.synced?.device.id ? 'this door' : 'another door');
}

void main();
