import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { findOnPath } from './ffmpeg.ts';
import { PassThrough } from 'node:stream';
import { backoffDelay, onLines, SupervisedProcess, supervisedPids, type RunEnd } from './process-supervisor.ts';

const NODE = process.execPath;

/** True while `pid` is a live (not zombie) process. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('backoff doubles from the initial delay up to the cap', () => {
  const b = { initialMs: 500, maxMs: 30_000, stableMs: 30_000 };
  assert.deepEqual([0, 1, 2, 3, 6, 7, 50].map((n) => backoffDelay(n, b)), [500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
});

test('a child that keeps exiting is restarted with growing delays, reset by a stable run', async (t) => {
  const ends: RunEnd[] = [];
  // The fourth run lives 500 ms, longer than stableMs, so the delay after it starts again at 40.
  const sup = new SupervisedProcess({
    name: 'flappy',
    command: '/bin/sh',
    args: () => ['-c', ends.length === 3 ? 'sleep 0.5; exit 3' : 'exit 3'],
    backoff: { initialMs: 40, maxMs: 100, stableMs: 400 },
    dieWithParent: false,
    onRunEnd: (end) => ends.push(end),
  });
  t.after(() => sup.stop());
  sup.start();
  await until(() => ends.length >= 5, 10_000, 'five runs');
  await sup.stop();
  assert.deepEqual(ends.slice(0, 5).map((e) => [e.reason, e.code, e.restartInMs]), [
    ['exited', 3, 40],
    ['exited', 3, 80],
    ['exited', 3, 100],
    ['exited', 3, 40],
    ['exited', 3, 80],
  ]);
  assert.equal(sup.status, 'stopped');
});

/** A child that writes a line every 50 ms, each taken as progress; 1 s stall timeout. */
function chattyChild(ends: RunEnd[]): { chatty: SupervisedProcess; lines: () => number } {
  let lines = 0;
  const chatty: SupervisedProcess = new SupervisedProcess({
    name: 'chatty',
    command: NODE,
    args: ['-e', 'setInterval(() => console.error("tick"), 50)'],
    stallTimeoutMs: 1000,
    onStderrLine: () => {
      lines++;
      chatty.markProgress();
    },
    onRunEnd: (end) => ends.push(end),
  });
  return { chatty, lines: () => lines };
}

test('a child with no progress for stallTimeoutMs is killed and restarted; one that reports progress is left alone', async (t) => {
  const ends: RunEnd[] = [];
  const silent = new SupervisedProcess({
    name: 'silent',
    command: NODE,
    args: ['-e', 'setInterval(() => {}, 1000)'],
    stallTimeoutMs: 1000,
    backoff: { initialMs: 30_000 },
    onRunEnd: (end) => ends.push(end),
  });
  // Its first line comes only once node has booted, so the same timeout also covers a slow start.
  const { chatty, lines } = chattyChild(ends);
  t.after(() => Promise.all([silent.stop(), chatty.stop()]));
  const started = Date.now();
  silent.start();
  chatty.start();
  await until(() => ends.length >= 1, 5000, 'the silent child to be killed');
  const elapsed = Date.now() - started;
  assert.equal(ends[0].reason, 'stalled');
  assert.equal(ends[0].restartInMs, 30_000);
  assert.ok(elapsed >= 1000 && elapsed < 3000, `killed after ${elapsed} ms`);
  await sleep(1200);
  assert.equal(chatty.status, 'running');
  assert.equal(chatty.runCount, 1);
  assert.ok(lines() > 10);
  await Promise.all([silent.stop(), chatty.stop()]);
  assert.equal(ends.length, 2);
  assert.equal(ends[1].reason, 'stopped');
  assert.equal(ends[1].restartInMs, null);
});

test('a blocked event loop does not make a busy child look stalled', async (t) => {
  const ends: RunEnd[] = [];
  const { chatty, lines } = chattyChild(ends);
  t.after(() => chatty.stop());
  chatty.start();
  await until(() => lines() > 0, 5000, 'the first line');
  // This process is busy for longer than the stall timeout; the child's lines wait in the pipe.
  const until2 = Date.now() + 1800;
  while (Date.now() < until2);
  await sleep(600);
  assert.deepEqual(ends, []);
  assert.equal(chatty.runCount, 1);
});

test('stop sends SIGTERM, then SIGKILL to a child that ignores it; nothing is left running', async (t) => {
  const ends: RunEnd[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const stubborn = new SupervisedProcess({
    name: 'stubborn',
    command: NODE,
    args: ['-e', 'process.on("SIGTERM", () => console.error("ignored")); console.error("up"); setInterval(() => {}, 1000)'],
    stopTimeoutMs: 300,
    onStderrLine: (line) => line === 'up' && ready(),
    onRunEnd: (end) => ends.push(end),
  });
  t.after(() => stubborn.stop());
  stubborn.start();
  await isReady;
  const pid = stubborn.pid!;
  assert.ok(supervisedPids().includes(pid));
  const t0 = Date.now();
  await stubborn.stop();
  assert.ok(Date.now() - t0 >= 250, 'waited for the stop timeout before SIGKILL');
  assert.deepEqual([ends[0].reason, ends[0].signal], ['stopped', 'SIGKILL']);
  assert.equal(alive(pid), false);
  assert.equal(supervisedPids().includes(pid), false);
});

test('a command that does not exist ends its run as spawn-failed with a clear error and is retried', async (t) => {
  const ends: RunEnd[] = [];
  const sup = new SupervisedProcess({
    name: 'ghost',
    command: '/nonexistent/ffmpeg',
    args: [],
    backoff: { initialMs: 20 },
    onRunEnd: (end) => ends.push(end),
  });
  t.after(() => sup.stop());
  sup.start();
  await until(() => ends.length >= 2, 3000, 'two failed runs');
  await sup.stop();
  assert.equal(ends[0].reason, 'spawn-failed');
  assert.match(ends[0].error!.message, /\/nonexistent\/ffmpeg is not an executable file/);
});

// The two tests below run a separate node process that supervises `sleep` and print its pid.
const HOST = fileURLToPath(new URL('./process-supervisor.fixture.ts', import.meta.url));

async function startHost(t: TestContext): Promise<{ host: ReturnType<typeof spawn>; childPid: number }> {
  const host = spawn(NODE, ['--import', 'tsx', HOST], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    host.kill('SIGKILL');
  });
  const childPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    host.stdout!.on('data', (d) => {
      out += d;
      const m = /child (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    host.once('exit', (code) => reject(new Error(`host exited ${code} before starting its child`)));
  });
  return { host, childPid };
}

test('SIGTERM to a process with no handler of its own stops its children and exits', async (t) => {
  const { host, childPid } = await startHost(t);
  assert.equal(alive(childPid), true);
  const exited = new Promise<number | null>((r) => host.once('exit', (code) => r(code)));
  host.kill('SIGTERM');
  assert.equal(await exited, 143);
  await until(() => !alive(childPid), 2000, 'the child to go');
});

test('when the supervising process is SIGKILLed its children die with it', { skip: findOnPath('setpriv', `${process.env.PATH}:/usr/bin`) ? false : 'setpriv (util-linux) is not installed' }, async (t) => {
  const { host, childPid } = await startHost(t);
  assert.equal(alive(childPid), true);
  host.kill('SIGKILL');
  await until(() => !alive(childPid), 2000, 'the orphaned child to be killed by the kernel');
});

test('output is split into lines however it is chunked: CRLF, multi-byte characters, a last line without newline', async () => {
  const stream = new PassThrough();
  const lines: string[] = [];
  onLines(stream, (line) => lines.push(line));
  const text = Buffer.from('frame=1\r\nprogress=contin', 'utf8');
  const euro = Buffer.from('ue\n[info] caméra €\n\nlast', 'utf8');
  stream.write(text);
  stream.write(euro.subarray(0, 12)); // splits the é
  stream.write(euro.subarray(12));
  stream.end();
  await new Promise((r) => stream.on('end', r));
  assert.deepEqual(lines, ['frame=1', 'progress=continue', '[info] caméra €', '', 'last']);
});
