import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import type { Context, Hono } from 'hono';
import { ROOT } from '../../lib/paths.ts';
import type { AppEnv } from '../../rest/context.ts';

/**
 * The organiser dashboard (web/dashboard, a React app built by Vite into dist/web/dashboard by `npm run build`, or
 * by `npm start` when the build is missing or older than its sources). Served by EventoGate itself, nothing from
 * another origin:
 * - `/dashboard/assets/*`: content-hashed files, cached for a year (`immutable`), gzip or brotli when asked;
 * - every other `/dashboard…` path answers the app's HTML (client-side routes survive a reload), never cached,
 *   under a Content-Security-Policy with no inline script and connections to this server only;
 * - `GET /` redirects to `/dashboard`.
 */
export const DASHBOARD_DIR = join(ROOT, 'dist', 'web', 'dashboard');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Text assets worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.json', '.txt']);

interface Asset {
  type: string;
  raw: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

export function mountDashboardPage(app: Hono<AppEnv>, options: { directory?: string } = {}): void {
  const directory = options.directory ?? DASHBOARD_DIR;
  const assets = new Map<string, Promise<Asset | null>>();
  let page: string | undefined;

  /** Read once; a page still missing is looked for again next time (built while the server runs). */
  const html = async () => {
    page ??= await readFile(join(directory, 'index.html'), 'utf8').catch(() => undefined);
    return page ?? null;
  };

  const servePage = async (c: Context<AppEnv>) => {
    const body = await html();
    if (body === null) {
      return c.text('The dashboard is not built. Run `npm run build` (or `npm start`, which builds it when missing).\n', 503, { 'Retry-After': '10' });
    }
    return c.html(body, 200, { 'Content-Security-Policy': contentSecurityPolicy(c.req.header('host')) });
  };

  app.get('/', (c) => c.redirect('/dashboard', 302));
  app.get('/dashboard', servePage);
  app.get('/dashboard/assets/*', async (c) => {
    const relative = c.req.path.slice('/dashboard/'.length);
    const file = normalize(join(directory, relative));
    if (!file.startsWith(join(directory, 'assets') + sep)) return c.notFound();
    let loading = assets.get(relative);
    if (!loading) {
      loading = loadAsset(file);
      assets.set(relative, loading);
    }
    const asset = await loading;
    if (!asset) {
      assets.delete(relative);
      return c.notFound();
    }
    // Content-hashed names: a changed file has a new name, so this one may be kept for ever.
    c.set('responseHeaders', { ...c.get('responseHeaders'), 'Cache-Control': 'public, max-age=31536000, immutable' });
    const accepted = c.req.header('accept-encoding') ?? '';
    const headers: Record<string, string> = { 'Content-Type': asset.type, Vary: 'Accept-Encoding' };
    if (asset.br && /\bbr\b/.test(accepted)) return c.body(new Uint8Array(asset.br), 200, { ...headers, 'Content-Encoding': 'br' });
    if (asset.gzip && /\bgzip\b/.test(accepted)) return c.body(new Uint8Array(asset.gzip), 200, { ...headers, 'Content-Encoding': 'gzip' });
    return c.body(new Uint8Array(asset.raw), 200, headers);
  });
  app.get('/dashboard/*', servePage);
}

async function loadAsset(file: string): Promise<Asset | null> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch {
    return null;
  }
  const extension = extname(file);
  const type = TYPES[extension] ?? 'application/octet-stream';
  if (!COMPRESSIBLE.has(extension) || raw.length < 1024) return { type, raw };
  // Once per asset and process: the compressed bytes are kept with the file.
  return {
    type,
    raw,
    gzip: gzipSync(raw, { level: 9 }),
    br: brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
  };
}

/**
 * No inline script, no eval, nothing from elsewhere. Styles may be inline: the component library (Mantine) sets
 * CSS variables in a style element and style attributes, which cannot carry scripts. The WebSocket (live numbers)
 * goes to this same host.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host && /^[a-z0-9.\-:[\]]+$/i.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
