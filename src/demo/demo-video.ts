import { join } from 'node:path';
import type { Config } from '../config/config.schema.ts';
import { SYSTEM_ACTOR } from '../identity/actor.ts';
import type { NetworkService } from '../network/network.service.ts';
import { startSimulator, type Simulator } from '../video/simulator/simulator.ts';

export interface DemoVideo {
  simulator: Simulator;
  /** The demo cameras now streaming from the simulator. */
  cameraIds: string[];
  stop(): Promise<void>;
}

/**
 * Makes a few of the demo city's Peshawar cameras live: each streams a simulated street (clearly
 * labelled SIMULATED) over loopback HTTP, and its record/live/detect URLs point there, so the ingest
 * opens it like any network camera. Runs on the node that serves `safecity demo` only.
 */
export async function startDemoVideo(deps: { config: Config; network: NetworkService; ffmpegPath: string; log?: (m: string) => void }): Promise<DemoVideo | undefined> {
  const { config, network } = deps;
  const n = config.demo.simulatedCameras;
  if (n === 0) return undefined;
  // ANPR cameras at junctions first: later issues read plates off them.
  const anpr = await network.listCameras(SYSTEM_ACTOR, { city: 'peshawar', kind: 'anpr', limit: n, offset: 0 });
  let chosen = anpr.items;
  if (chosen.length < n) {
    const more = await network.listCameras(SYSTEM_ACTOR, { city: 'peshawar', kind: 'fixed', limit: n - chosen.length, offset: 0 });
    chosen = [...chosen, ...more.items];
  }
  if (!chosen.length) return undefined;
  const simulator = await startSimulator({
    cameras: chosen.map((c, i) => ({ id: c.id, name: c.code, width: config.demo.width, height: config.demo.height, fps: config.demo.fps, seed: i + 1 })),
    dir: join(config.dataDir, 'simulator'),
    ffmpegPath: deps.ffmpegPath,
  });
  try {
    for (const camera of chosen) {
      const url = simulator.urlFor(camera.id);
      await network.updateCamera(SYSTEM_ACTOR, camera.id, {
        streams: [
          { role: 'record', url },
          { role: 'live', url },
          { role: 'detect', url },
        ],
      });
    }
  } catch (err) {
    await simulator.stop();
    throw err;
  }
  deps.log?.(`demo video: ${chosen.length} simulated cameras streaming (${chosen.map((c) => c.code).join(', ')}); ground truth in ${join(config.dataDir, 'simulator')}`);
  return { simulator, cameraIds: chosen.map((c) => c.id), stop: () => simulator.stop() };
}
