import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { processCpuSeconds } from './proc-stat.ts';

test('the CPU time of a process is read from /proc, and null once it is gone', async () => {
  const own = processCpuSeconds(process.pid);
  assert.ok(own !== null && own > 0);
  // The child spins until it has itself used 0.2 s of CPU (however loaded the machine), says so, then idles.
  const busy = spawn(process.execPath, ['-e', `
    while (process.cpuUsage().user + process.cpuUsage().system < 200000);
    console.log('spent');
    setInterval(() => {}, 1000);`]);
  const pid = busy.pid!;
  await once(busy.stdout!, 'data');
  const spent = processCpuSeconds(pid);
  assert.ok(spent !== null && spent >= 0.15, `busy child used ${spent} s`);
  busy.kill('SIGKILL');
  await once(busy, 'exit');
  assert.equal(processCpuSeconds(pid), null);
});
