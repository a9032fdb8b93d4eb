import { existsSync } from 'node:fs';
import type { Browser, LaunchOptions } from 'playwright-core';

/**
 * A Chromium for browser tests, with nothing but the npm registry: the machine's own (Debian `chromium`, or
 * CHROMIUM_PATH) when it has one, else the binary `@sparticuz/chromium` ships inside its npm package (unpacked
 * to the temp directory on first use). Never a download from a browser CDN (`npx playwright install`).
 */
export async function chromiumExecutable(): Promise<string> {
  const own = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']
    .filter(() => process.env.CHROMIUM_PACKAGED !== '1')
    .find((path) => path && existsSync(path));
  if (own) return own;
  const { default: packaged } = await import('@sparticuz/chromium');
  return await packaged.executablePath();
}

/** Headless Chromium through playwright-core; `args` adds flags (a fake camera, say). */
export async function launchChromium(args: string[] = [], options: LaunchOptions = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return await chromium.launch({ ...options, executablePath: await chromiumExecutable(), args: ['--no-sandbox', '--disable-gpu', ...args] });
}
