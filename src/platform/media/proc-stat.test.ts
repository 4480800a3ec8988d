import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { processCpuSeconds } from './proc-stat.ts';

test('the CPU time of a process is read from /proc, and null once it is gone', async () => {
  const own = processCpuSeconds(process.pid);
  assert.ok(own !== null && own > 0);
  const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end);']);
  const pid = busy.pid!;
  await new Promise((r) => setTimeout(r, 350));
  const spent = processCpuSeconds(pid);
  assert.ok(spent !== null && spent >= 0.1, `busy child used ${spent} s`);
  await new Promise((r) => busy.once('exit', r));
  assert.equal(processCpuSeconds(pid), null);
});
