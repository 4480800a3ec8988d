// Measures what one simulated camera costs: CPU seconds per wall second for the renderer (this
// process) and for its ffmpeg encoder, with one client reading the live stream.
//   npx tsx src/video/simulator/measure-cpu.ts [width] [height] [fps] [seconds]
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { pathToFileURL } from 'node:url';
import { SimulatedCamera } from './simulated-camera.ts';

export interface CpuCost {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /** CPU seconds per wall second (1.0 = one core), over the measured window. */
  renderCores: number;
  encoderCores: number;
  framesRendered: number;
  framesDropped: number;
  streamKbps: number;
}

/** utime + stime of a process, in seconds (Linux /proc). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function measureCpu(width: number, height: number, fps: number, seconds: number): Promise<CpuCost> {
  const camera = new SimulatedCamera({ id: 'measure', name: 'CPU measurement', width, height, fps, seed: 1 });
  await camera.start();
  let bytes = 0;
  const req = get(camera.url, (res) => res.on('data', (c: Buffer) => (bytes += c.length)));
  req.on('error', () => {});
  try {
    // Let the JIT and the encoder settle before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const pid = camera.encoderPid!;
    const before = { wall: performance.now(), node: process.cpuUsage(), ffmpeg: processCpuSeconds(pid), stats: camera.stats(), bytes };
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const wall = (performance.now() - before.wall) / 1000;
    const node = process.cpuUsage(before.node);
    const stats = camera.stats();
    return {
      width,
      height,
      fps,
      seconds: wall,
      renderCores: (node.user + node.system) / 1e6 / wall,
      encoderCores: (processCpuSeconds(pid) - before.ffmpeg) / wall,
      framesRendered: stats.framesRendered - before.stats.framesRendered,
      framesDropped: stats.framesDropped - before.stats.framesDropped,
      streamKbps: ((bytes - before.bytes) * 8) / wall / 1000,
    };
  } finally {
    req.destroy();
    await camera.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [width = 1280, height = 720, fps = 10, seconds = 20] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await measureCpu(width, height, fps, seconds)));
}
