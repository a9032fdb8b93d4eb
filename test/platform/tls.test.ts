import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

/**
 * Issue 31, from a newcomer's run: door phones need HTTPS for the camera (browsers give it to secure pages only), and
 * `/scan` over plain HTTP on a LAN address silently had none. TLS_CERT_FILE and TLS_KEY_FILE make the server speak
 * HTTPS itself (docs/door.md, "HTTPS for the camera").
 */
const dir = mkdtempSync(join(tmpdir(), 'eventogate-tls-'));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
let app: TestApp;

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  app = await startTestApp({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function getTrusting(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca: readFileSync(certFile) }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('TLS_CERT_FILE and TLS_KEY_FILE', () => {
  it('serve the API and /scan over HTTPS, and the links handed out say https://', async () => {
    expect(app.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(app.deps.config.publicUrl).toBe(app.url);
    expect(await getTrusting(`${app.url}/livez`)).toMatchObject({ status: 200 });
    const scan = await getTrusting(`${app.url}/scan`);
    expect(scan.status).toBe(200);
    expect(scan.body).toContain('<video id="camera"');
  });

  it('are given both or neither, and a file that cannot be read stops start-up naming the variable', async () => {
    expect(() => loadConfig({ TLS_CERT_FILE: certFile })).toThrow('TLS_KEY_FILE: is required with TLS_CERT_FILE');
    expect(() => loadConfig({ TLS_KEY_FILE: keyFile })).toThrow('TLS_CERT_FILE: is required with TLS_KEY_FILE');
    await expect(startTestApp({ TLS_CERT_FILE: join(dir, 'missing.pem'), TLS_KEY_FILE: keyFile })).rejects.toThrow(ConfigError);
    await expect(startTestApp({ TLS_CERT_FILE: join(dir, 'missing.pem'), TLS_KEY_FILE: keyFile })).rejects.toThrow(
      `TLS_CERT_FILE: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    );
  });
});
