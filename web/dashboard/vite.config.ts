import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The organiser dashboard. `npm run build` writes it to dist/web/dashboard, where EventoGate serves it under
 * /dashboard. `npm run dev:web` serves it with hot reload on :5173 and sends /graphql (WebSocket included), /qr and
 * /v1 to a running EventoGate (EVENTOGATE_URL, default http://127.0.0.1:3000).
 */
const target = process.env.EVENTOGATE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboard/',
  plugins: [react()],
  build: {
    outDir: '../../dist/web/dashboard',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser we support preloads modules itself; no polyfill code in the entry chunk.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 700,
    reportCompressedSize: false,
    // .vite/manifest.json: which chunks each route loads (the bundle-size test and the note read it; not served).
    manifest: true,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/graphql': { target, ws: true, changeOrigin: false },
      '/qr': { target },
      '/v1': { target },
    },
  },
});
