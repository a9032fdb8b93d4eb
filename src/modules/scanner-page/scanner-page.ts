import { join } from 'node:path';
import type { Hono } from 'hono';
import { ROOT } from '../../lib/paths.ts';
import type { AppEnv } from '../../rest/context.ts';

/**
 * GET /scan — the door page — with its script (/scan/app.js) and service worker (/scan-sw.js), served by
 * EventoGate itself with no external asset. The TypeScript in `scanner/` is bundled with esbuild (already
 * in the tree through tsx) once per process, on first request; nothing is built ahead or committed. esbuild itself is
 * imported then too: a process that never serves the page never loads it.
 */

const SOURCE_DIR = join(ROOT, 'scanner');

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

let bundles: Promise<{ app: string; sw: string }> | undefined;

function bundle(): Promise<{ app: string; sw: string }> {
  bundles ??= (async () => {
    const { build } = await import('esbuild');
    const one = async (entry: string) => {
      const result = await build({
        entryPoints: [join(SOURCE_DIR, entry)],
        bundle: true,
        write: false,
        format: 'iife',
        target: ['chrome111', 'safari16', 'firefox115'],
        minify: true,
        legalComments: 'none',
      });
      return result.outputFiles[0]!.text;
    };
    const [app, sw] = await Promise.all([one('app.ts'), one('sw.ts')]);
    return { app, sw };
  })();
  bundles.catch(() => {
    bundles = undefined;
  });
  return bundles;
}

export function mountScannerPage(app: Hono<AppEnv>): void {
  app.get('/scan', (c) => c.html(PAGE, 200, { 'content-security-policy': CSP }));
  app.get('/scan/app.js', async (c) => c.body((await bundle()).app, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/scan-sw.js', async (c) =>
    c.body((await bundle()).sw, 200, { 'content-type': 'text/javascript; charset=utf-8', 'service-worker-allowed': '/scan' }),
  );
}

/** Mobile first, large type, black on white and white on strong colours (legible in sunlight). */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#111111">
<title>EventoGate door</title>
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 18px/1.35 system-ui, sans-serif; color: #000; background: #fff; }
  header { background: #111; color: #fff; padding: 10px 14px; }
  header h1 { font-size: 20px; margin: 0; }
  #inside-now { font-size: 26px; font-weight: 700; }
  main { padding: 12px 14px; max-width: 640px; margin: 0 auto; }
  video { width: 100%; max-height: 42vh; background: #222; border-radius: 8px; object-fit: cover; }
  .result { margin: 12px 0; padding: 18px; border-radius: 10px; min-height: 92px; border: 3px solid #000; }
  .result strong { display: block; font-size: 30px; }
  .result span { display: block; font-size: 22px; }
  .result em { display: inline-block; margin-top: 6px; padding: 2px 8px; border: 2px solid currentColor; border-radius: 6px; font-style: normal; font-weight: 700; }
  .result.accepted { background: #0a7d2c; color: #fff; }
  .result.duplicate { background: #ffb300; color: #000; }
  .result.rejected { background: #c62828; color: #fff; }
  .notice { margin: 0; padding: 12px 14px; background: #ffb300; color: #000; font-weight: 600; }
  .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
  input, select, button { font: inherit; padding: 10px 12px; border: 2px solid #000; border-radius: 8px; background: #fff; color: #000; }
  button { background: #111; color: #fff; }
  input[type=text] { flex: 1; min-width: 0; }
  .status { font-size: 16px; }
  ul { padding-left: 20px; }
  #search-results { list-style: none; padding: 0; }
  button.match { width: 100%; text-align: left; margin: 4px 0; background: #fff; color: #000; }
</style>
<link rel="preload" href="/scan/app.js" as="script">
</head>
<body>
<div id="unpaired-view" hidden>
  <main><h1>Not paired</h1><p>Open this page from the pairing link or QR code your organiser gives you.</p></main>
</div>
<div id="scanner-view" hidden>
  <header>
    <h1 id="event-name"></h1>
    <div id="inside-now" aria-live="polite"></div>
    <div class="status"><span id="sync-status" data-testid="sync-status">connecting…</span> · waiting to upload: <span data-testid="pending-count" id="pending-count">0</span></div>
  </header>
  <div id="notice" class="notice" data-testid="notice" role="alert" hidden></div>
  <main>
    <div class="row">
      <label>Zone <select id="zone"></select></label>
      <label><input type="radio" name="direction" id="direction-in" checked> In</label>
      <label><input type="radio" name="direction" id="direction-out"> Out</label>
    </div>
    <video id="camera" muted playsinline aria-label="Camera"></video>
    <div id="camera-status" class="status"></div>
    <div id="scan-result" data-testid="scan-result" class="result" role="status" aria-live="assertive"><strong>Ready</strong><span>Show a ticket to the camera</span></div>
    <form id="manual-form" class="row">
      <label for="manual-code" class="status">Code</label>
      <input type="text" id="manual-code" data-testid="manual-code" autocomplete="off" autocapitalize="off" spellcheck="false" placeholder="Type or paste a ticket code">
      <button type="submit" data-testid="manual-submit">Check</button>
    </form>
    <div class="row"><input type="text" id="search" placeholder="Find by name" aria-label="Find by name"></div>
    <ul id="search-results"></ul>
    <section id="conflicts-section" hidden>
      <h2>Conflicts</h2>
      <ul id="conflicts" data-testid="conflicts"></ul>
    </section>
    <div class="row"><button type="button" id="unpair">Unpair this device</button></div>
  </main>
</div>
<script src="/scan/app.js"></script>
</body>
</html>
`;
