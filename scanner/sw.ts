/// <reference lib="webworker" />
/**
 * The scanner page's service worker: the page and its script come from the network when there is one (and are
 * kept), from the cache when there is not, so a door keeps scanning through a dead network. API calls are never
 * cached.
 */
const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = 'eventogate-scan-v1';
const SHELL = ['/scan', '/scan/app.js'];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || !SHELL.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(CACHE)).put(url.pathname, response.clone());
        return response;
      })
      .catch(async () => (await (await caches.open(CACHE)).match(url.pathname)) ?? Response.error()),
  );
});
