import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

// What the browser tests share: the Chromium they launch, the console build they serve, and the
// check that nothing a page asks for leaves this machine.

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** WebGL for MapLibre from the software rasteriser; without these Chromium may refuse a context. */
export const WEBGL_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
export const ARTIFACTS = 'test-artifacts';

/** The skip option of a test that needs Chromium (and whatever else is listed). */
export function needs(...paths: string[]): string | false {
  const missing = [CHROMIUM, ...paths].filter((p) => !existsSync(p));
  return missing.length ? `${missing.join(', ')} not found: this browser test needs them` : false;
}

export async function launchChromium(options: { webgl?: boolean } = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: options.webgl ? [...CHROMIUM_ARGS, ...WEBGL_ARGS] : CHROMIUM_ARGS });
}

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds web/dist when it is missing or older than the console's sources, so the test sees this tree. */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = 'web/dist/index.html';
  const sources = Math.max(newest('web/src'), newest('web/index.html'), newest('web/vite.config.ts'));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: 'web/vite.config.ts', logLevel: 'warn' });
}

/** Any request the page makes that is not to this machine, added to `foreign`: the console must work air-gapped. */
export function watchForeignRequests(page: Page, foreign: string[] = []): string[] {
  const check = (url: string) => {
    if (/^(data|blob):/.test(url)) return;
    const { protocol, hostname } = new URL(url);
    if (!/^(https?|wss?):$/.test(protocol) || !['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) foreign.push(url);
  };
  page.on('request', (r) => check(r.url()));
  page.on('websocket', (ws) => check(ws.url()));
  return foreign;
}
