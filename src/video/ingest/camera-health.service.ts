import type { EventBus } from '../../platform/bus/bus.ts';
import { uptimeOf, type HealthSnapshot, type Transition, type Uptime } from './camera-health.ts';
import type { CameraHealthRepository } from './camera-health.repository.ts';

/** Writes what the ingests of this worker see about their cameras, and tells the bus of transitions. */
export class CameraHealthService {
  /** Per camera, the transitions not yet written: they are applied in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly repo: CameraHealthRepository,
    private readonly bus: EventBus,
    private readonly workerId: string,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Records the transition (status log, health row, camera status) and publishes video.camera.status if it changed anything. */
  transition(cameraId: string, t: Transition): Promise<void> {
    const next = (this.chains.get(cameraId) ?? Promise.resolve()).then(async () => {
      try {
        const changed = await this.repo.transition(cameraId, t.status, t.at, t.reason, this.workerId);
        if (changed) await this.bus.publish('video.camera.status', { cameraId, status: t.status, at: t.at.toISOString(), reason: t.reason });
      } catch (err) {
        this.log(`camera ${cameraId}: could not record ${t.status}: ${(err as Error).message}`);
      }
    });
    this.chains.set(cameraId, next);
    void next.then(() => {
      if (this.chains.get(cameraId) === next) this.chains.delete(cameraId);
    });
    return next;
  }

  /** Resolves once every transition handed in so far is written. */
  async settled(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  /** Writes the latest figures of these cameras (one statement). */
  async update(snapshots: ReadonlyMap<string, HealthSnapshot>): Promise<void> {
    const rows = [...snapshots].map(([cameraId, s]) => {
      const addReconnects = Math.max(0, s.reconnects - (this.reported.get(cameraId) ?? 0));
      return { cameraId, fps: s.fps, bitrateKbps: s.bitrateKbps, lastFrameAt: s.lastFrameAt, addReconnects, workerId: this.workerId, total: s.reconnects };
    });
    await this.repo.update(rows);
    for (const r of rows) this.reported.set(r.cameraId, r.total);
  }

  /** The camera's ingest left this worker: its reconnect count starts again with the next one. */
  forget(cameraId: string): void {
    this.reported.delete(cameraId);
  }

  async uptime(cameraId: string, from: Date, to: Date): Promise<Uptime> {
    return uptimeOf(await this.repo.statusLog(cameraId, from, to), from, to);
  }
}
