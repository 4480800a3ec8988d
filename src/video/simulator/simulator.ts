// Starts a set of simulated cameras behind one loopback HTTP server: what the demo registers as its
// cameras. Each camera's stream is at urlFor(id); its ground truth is truth(id) and
// <dir>/<id>.truth.jsonl.
import { SimulatedCamera, type CameraStats, type SimulatedCameraOptions } from './simulated-camera.ts';
import { StreamServer } from './stream-server.ts';
import type { TruthRecord } from './truth.ts';

/** Without a seed, a camera's seed is its position in the list + 1, so the streets differ. */
export type SimulatorCameraConfig = Pick<SimulatedCameraOptions, 'id' | 'name' | 'width' | 'height' | 'fps' | 'seed'>;

export interface SimulatorOptions {
  cameras: SimulatorCameraConfig[];
  /** Folder for the ground-truth files. */
  dir: string;
  /** Loopback port for all streams; 0 or absent takes a free one. */
  port?: number;
  /** The ffmpeg that encodes every camera (the platform's located one); default the system one. */
  ffmpegPath?: string;
}

export interface Simulator {
  /** Always true: lets callers that hold an ingest source say where it came from. */
  readonly simulated: true;
  readonly port: number;
  urlFor(cameraId: string): string;
  truth(cameraId: string): TruthRecord[];
  stats(cameraId: string): CameraStats;
  stop(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const ids = new Set<string>();
  for (const c of options.cameras) {
    if (ids.has(c.id)) throw new Error(`simulated camera id ${c.id} is given twice`);
    ids.add(c.id);
  }
  const server = await StreamServer.listen(options.port ?? 0);
  const cameras = new Map<string, SimulatedCamera>();
  try {
    for (const [i, c] of options.cameras.entries()) {
      const camera = new SimulatedCamera({ ...c, seed: c.seed ?? i + 1, dir: options.dir, server, ffmpegPath: options.ffmpegPath });
      cameras.set(c.id, camera);
      await camera.start();
    }
  } catch (err) {
    await Promise.all([...cameras.values()].map((c) => c.stop()));
    await server.close();
    throw err;
  }
  const camera = (id: string): SimulatedCamera => {
    const found = cameras.get(id);
    if (!found) throw new Error(`no simulated camera ${id}; there are ${[...cameras.keys()].join(', ') || 'none'}`);
    return found;
  };
  let stopped: Promise<void> | null = null;
  return {
    simulated: true,
    port: server.port,
    urlFor: (id) => (camera(id), server.urlFor(id)),
    truth: (id) => camera(id).truth(),
    stats: (id) => camera(id).stats(),
    stop: () =>
      (stopped ??= (async () => {
        await Promise.all([...cameras.values()].map((c) => c.stop()));
        await server.close();
      })()),
  };
}
