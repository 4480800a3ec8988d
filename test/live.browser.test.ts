import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { AuditRepository } from '../src/audit/audit.repository.ts';
import { AuditService } from '../src/audit/audit.service.ts';
import { parseConfig } from '../src/config/config.ts';
import { ROLE_PERMISSIONS } from '../src/identity/permissions.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { buildHttpApp } from '../src/platform/http/app.ts';
import { LiveHubRegistry } from '../src/video/live/live-hub.ts';
import { registerLiveRoutes } from '../src/video/live/live.routes.ts';
import { LiveService } from '../src/video/live/live.service.ts';
import { spawnTestPattern, type TestPatternProcess } from '../src/video/live/test-pattern.ts';
import { launchChromium, needs } from './support/browser.ts';

// Live video end to end: a real ffmpeg writes fMP4 into a LiveHub, the live route serves it over
// WebSocket, and Chromium plays it through web/src/video/mse-player.ts (bundled alone). The full
// platform (login, console page) is covered by the console browser test.

const FFMPEG = '/usr/bin/ffmpeg';

const PAGE_SCRIPT = `
import { MsePlayer } from './mse-player.ts';
const q = new URLSearchParams(location.search);
const video = document.querySelector('video');
window.statuses = [];
window.player = new MsePlayer({
  url: 'ws://' + location.host + '/api/cameras/' + q.get('camera') + '/live?token=' + q.get('token'),
  video,
  onStatus: (s) => window.statuses.push(s.state + (s.message ? ': ' + s.message : '')),
  explainRefusal: async () => (await (await fetch('/api/cameras/' + q.get('camera') + '/live?token=' + q.get('token'))).json()).message,
});
window.player.start();
`;

// The console's video wall alone, signed in as the operator.
const WALL_SCRIPT = `
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { VideoWall } from './VideoWall.tsx';
createRoot(document.getElementById('root')).render(createElement(VideoWall, { labels: { 'cam-1': 'BNU-001' } }));
`;

async function bundlePage(body: string, script: string): Promise<string> {
  const out = await build({
    stdin: { contents: script, resolveDir: 'web/src/video', loader: 'tsx' },
    bundle: true, write: false, format: 'esm', target: 'chrome120', logLevel: 'silent',
    jsx: 'automatic', loader: { '.css': 'empty' }, define: { 'process.env.NODE_ENV': '"production"' },
  });
  return `<!doctype html><meta charset="utf-8">${body}<script type="module">${out.outputFiles[0].text}</script>`;
}

async function currentTime(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelector('video')!.currentTime);
}

test('Chromium plays a camera live through MSE, and across an ffmpeg restart', { skip: needs(FFMPEG), timeout: 120_000 }, async (t) => {
  const database = await openDatabase({});
  t.after(() => database.close());
  await migrate(database.db);
  const audit = new AuditService(new AuditRepository(database.db));
  const app = await buildHttpApp({
    config: parseConfig('logLevel: warn\n', {}),
    audit,
    authenticate: async (token) => (token === 'op-token'
      ? { userId: 'u-op', username: 'op', role: 'operator', scopePath: 'kp.bannu', permissions: new Set(ROLE_PERMISSIONS.operator) }
      : null),
  });
  const registry = new LiveHubRegistry();
  registerLiveRoutes(app, new LiveService({
    registry, audit, ffmpegPath: FFMPEG,
    cameras: { scopePathOf: async (id) => (id === 'cam-1' || id === 'cam-off' ? 'kp.bannu.s1' : undefined) },
  }));
  const player = await bundlePage('<video width="320" height="240"></video>', PAGE_SCRIPT);
  const wall = await bundlePage('<div id="root" style="width:800px;height:500px"></div>', WALL_SCRIPT);
  app.get('/player', async (_req, reply) => reply.type('text/html').send(player));
  app.get('/wall', async (_req, reply) => reply.type('text/html').send(wall));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());

  let ffmpeg: TestPatternProcess = spawnTestPattern(FFMPEG, { width: 320, height: 240 });
  t.after(() => ffmpeg.kill('SIGKILL'));
  registry.obtain('cam-1').feed(ffmpeg.stdout);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const tab = await browser.newPage();

  await t.test('the picture moves within 3 s of opening the page', async () => {
    const opened = Date.now();
    await tab.goto(`${base}/player?camera=cam-1&token=op-token`);
    await tab.waitForFunction(() => document.querySelector('video')!.currentTime > 0, undefined, { timeout: 3000, polling: 50 });
    const first = await currentTime(tab);
    await sleep(Math.max(0, 3000 - (Date.now() - opened)));
    const later = await currentTime(tab);
    assert.ok(later > first + 0.3, `currentTime went from ${first} to ${later}`);
    const statuses = await tab.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
    assert.deepEqual(statuses, ['connecting', 'live']);
    const rows = await audit.list({ action: 'video.live', limit: 10 });
    assert.deepEqual(rows.map((r) => [r.actor_name, r.target_id, r.outcome]), [['op', 'cam-1', 'ok']]);
    assert.equal(registry.get('cam-1')!.stats.viewers, 1);
  });

  await t.test('an ffmpeg restart resets the player, which plays again', async () => {
    ffmpeg.kill('SIGKILL');
    await tab.waitForFunction(() => (window as unknown as { statuses: string[] }).statuses.some((s) => s.startsWith('waiting')), undefined, { timeout: 5000 });
    ffmpeg = spawnTestPattern(FFMPEG, { width: 320, height: 240 });
    registry.obtain('cam-1').feed(ffmpeg.stdout);
    await tab.waitForFunction(() => (window as unknown as { statuses: string[] }).statuses.at(-1) === 'live', undefined, { timeout: 10_000 });
    const first = await currentTime(tab);
    await sleep(1000);
    assert.ok((await currentTime(tab)) > first + 0.3, 'plays after the restart');
  });

  await t.test('a camera not ingested here is explained, and the page retries', async () => {
    const other = await browser.newPage();
    await other.goto(`${base}/player?camera=cam-off&token=op-token`);
    await other.waitForFunction(() => (window as unknown as { statuses: string[] }).statuses.some((s) => s.startsWith('offline')), undefined, { timeout: 5000 });
    const statuses = await other.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
    assert.match(statuses.find((s) => s.startsWith('offline'))!, /^offline: camera "cam-off" is not being ingested: no live stream; retrying in \d+ s$/);
    await other.close();
  });

  await t.test('a camera dropped on a video wall tile plays there', async () => {
    const wallTab = await browser.newPage();
    await wallTab.addInitScript(() => sessionStorage.setItem('safecity.session', JSON.stringify({
      token: 'op-token', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u-op', username: 'op' },
    })));
    await wallTab.goto(`${base}/wall`);
    await wallTab.getByRole('button', { name: '3×3' }).click();
    assert.equal(await wallTab.locator('.video-wall-tile').count(), 9);
    await wallTab.evaluate(() => {
      const tile = document.querySelectorAll('.video-wall-tile')[4];
      const data = new DataTransfer();
      data.setData('application/x-safecity-camera', 'cam-1');
      for (const type of ['dragenter', 'dragover', 'drop']) tile.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await wallTab.locator('.video-wall-tile').nth(4).locator('.live-view[data-state="live"]').waitFor({ timeout: 5000 });
    assert.equal(await wallTab.locator('.video-wall-tile').nth(4).locator('.live-view-label').textContent(), 'BNU-001');
    const stored = await wallTab.evaluate(() => JSON.parse(localStorage.getItem('safecity.wall')!));
    assert.deepEqual(stored.slots, [null, null, null, null, 'cam-1', null, null, null, null]);
    await wallTab.close();
  });

  await t.test('closing the page lets go of the viewer', async () => {
    await tab.close();
    for (let i = 0; i < 50 && registry.get('cam-1')!.stats.viewers; i++) await sleep(100);
    assert.equal(registry.get('cam-1')!.stats.viewers, 0);
  });
  registry.closeAll();
});
