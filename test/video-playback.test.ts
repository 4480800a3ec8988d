import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
import { parseConfig } from '../src/config/config.ts';
import type { Actor } from '../src/identity/actor.ts';
import { buildHttpApp } from '../src/platform/http/app.ts';
import { actorFor, encodeSegments, fileSegments, insertSegments, recordingHarness, seedCameras } from '../src/video/recording/recording.fixture.ts';
import { createRecordingServices } from '../src/video/recording/recording.module.ts';
import { registerRecordingRoutes } from '../src/video/recording/recording.routes.ts';
import { ADMIN_PASSWORD, startTestPlatform } from './support/platform.ts';

// Playback end to end in a real browser: two minutes of recorded segments (fragmented MP4, as the
// ingest records them) served by the recording routes over HTTP, played by Chromium's <video>, which
// must see the right duration, seek with byte ranges, and decode at the seek target.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required'];
const T0 = Date.parse('2025-03-01T10:00:00Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

test('a 2-minute recorded range plays and seeks in Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: browser tests need Chromium`, timeout: 180_000 }, async (t) => {
  const h = await recordingHarness();
  const dataDir = mkdtempSync(join(tmpdir(), 'safecity-playback-e2e-'));
  t.after(async () => {
    await h.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await seedCameras(h.database.db, ['cam-1']);
  const encoded = encodeSegments({ seconds: 130 });
  const segments = fileSegments(dataDir, 'cam-1', encoded.files, T0);
  assert.ok(segments.every((s) => s.path.endsWith('.mp4')));
  await insertSegments(h.database.db, segments);
  rmSync(encoded.dir, { recursive: true, force: true });

  const operator: Actor = actorFor('operator', 'kp');
  const config = parseConfig('logLevel: silent\n', { SAFECITY_DATA_DIR: dataDir });
  const app = await buildHttpApp({ config, audit: h.audit, webDir: join(dataDir, 'no-web'), authenticate: async (token) => (token === 'op-token' ? operator : null) });
  const recording = createRecordingServices({ db: h.database.db, audit: h.audit, cameras: h.network.network, config, tools: { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' } });
  registerRecordingRoutes(app, recording);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(async () => {
    await recording.close();
    await app.close();
  });

  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const statuses: Array<{ status: number; range?: string }> = [];
  page.on('response', (r) => {
    if (r.url().includes('playback.mp4')) statuses.push({ status: r.status(), range: r.request().headers()['range'] });
  });

  const src = `${base}/api/cameras/cam-1/playback.mp4?from=${iso(4.5)}&to=${iso(124.5)}&token=op-token`;
  await page.setContent(`<video id="v" muted preload="auto" src="${src}"></video>`);
  const canPlay = await page.evaluate(() => document.createElement('video').canPlayType('video/mp4; codecs="avc1.42E01E"'));
  if (!canPlay) return t.skip('this Chromium has no H.264 decoder');

  const duration = await page.evaluate(() => new Promise<number>((resolve, reject) => {
    const v = document.getElementById('v') as HTMLVideoElement;
    if (v.readyState >= 1) return resolve(v.duration);
    v.addEventListener('loadedmetadata', () => resolve(v.duration), { once: true });
    v.addEventListener('error', () => reject(new Error(`media error ${v.error?.code}: ${v.error?.message}`)), { once: true });
  }));
  assert.ok(Math.abs(duration - 120) < 1, `the browser sees ${duration} s`);

  const seeked = await page.evaluate(() => new Promise<{ time: number; readyState: number }>((resolve, reject) => {
    const v = document.getElementById('v') as HTMLVideoElement;
    v.addEventListener('seeked', () => resolve({ time: v.currentTime, readyState: v.readyState }), { once: true });
    v.addEventListener('error', () => reject(new Error(`media error ${v.error?.code}`)), { once: true });
    v.currentTime = 95;
  }));
  assert.ok(Math.abs(seeked.time - 95) < 0.1, `seeked to ${seeked.time}`);
  assert.ok(seeked.readyState >= 2, `no frame at the seek target (readyState ${seeked.readyState})`);

  // It decodes and advances from there.
  const playedTo = await page.evaluate(() => new Promise<number>((resolve, reject) => {
    const v = document.getElementById('v') as HTMLVideoElement;
    // No named inner functions here: tsx would wrap them in a helper the page does not have.
    v.addEventListener('timeupdate', () => {
      if (v.currentTime > 95.5) resolve(v.currentTime);
    });
    setTimeout(() => reject(new Error(`stuck at ${v.currentTime}`)), 20_000);
    void v.play();
  }));
  assert.ok(playedTo > 95.5);
  assert.ok(statuses.some((s) => s.status === 206), `no ranged response: ${JSON.stringify(statuses)}`);
  assert.ok(statuses.every((s) => s.status === 200 || s.status === 206), JSON.stringify(statuses));
  const audits = await h.audit.list({ action: 'video.playback', limit: 100 });
  assert.ok(audits.length >= statuses.length, `${audits.length} audit entries for ${statuses.length} requests`);
});

/** Builds web/dist when it is missing or older than the playback panel, so the browser sees this tree's console. */
async function consoleWithPlaybackPanel(): Promise<void> {
  const index = 'web/dist/index.html';
  const panelChanged = Math.max(...['web/src/video/PlaybackPanel.tsx', 'web/src/video/playback-timeline.ts', 'web/src/network/camera-panels.tsx'].map((f) => statSync(f).mtimeMs));
  if (existsSync(index) && statSync(index).mtimeMs >= panelChanged) return;
  const { build } = await import('vite');
  await build({ configFile: 'web/vite.config.ts', logLevel: 'warn' });
}

test('console: the camera page plays the last minutes and exports them with a reason', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: browser tests need Chromium`, timeout: 240_000 }, async (t) => {
  await consoleWithPlaybackPanel();
  const platform = await startTestPlatform();
  t.after(() => platform.close());
  // A camera that recorded 60 s, ending three minutes ago: inside the panel's default window (the last 15 minutes).
  const start = Math.floor((Date.now() - 4 * 60_000) / 1000) * 1000;
  await seedCameras(platform.platform.database.db, ['cam-ui']);
  const encoded = encodeSegments({ seconds: 60 });
  await insertSegments(platform.platform.database.db, fileSegments(platform.dataDir, 'cam-ui', encoded.files, start));
  rmSync(encoded.dir, { recursive: true, force: true });

  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(platform.url);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', ADMIN_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(/#\/map/);
  await page.goto(`${platform.url}/#/cameras/cam-ui`);

  const panel = page.locator('[data-panel=recordings]');
  await panel.locator('.playback-recorded').first().waitFor({ timeout: 30_000 });
  assert.equal(await panel.locator('.playback-recorded').count(), 1);
  await panel.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(() => {
    const v = document.querySelector('[data-panel=recordings] video') as HTMLVideoElement | null;
    return !!v && v.readyState >= 2 && v.currentTime > 0;
  }, undefined, { timeout: 60_000 });
  // Playback started at the first recorded moment, not at the start of the (mostly empty) window.
  const shown = await panel.locator('.playback-clock').getAttribute('data-time');
  assert.ok(shown && Math.abs(Date.parse(shown) - start) < 5_000, `clock shows ${shown}, recording starts ${new Date(start).toISOString()}`);
  await panel.locator('.playback-head').waitFor();

  await panel.locator('input[placeholder^="e.g. FIR"]').fill('FIR 9/2025 console test');
  await panel.getByRole('button', { name: 'Export this period' }).click();
  const link = panel.getByRole('link', { name: /Download MP4/ });
  await link.waitFor({ timeout: 120_000 });
  const sha = await panel.locator('.playback-sha').innerText();
  assert.match(sha, /^[0-9a-f]{64}$/);
  const href = await link.getAttribute('href');
  const res = await fetch(`${platform.url}${href}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-content-sha256'), sha);
  assert.deepEqual(pageErrors, []);
});
