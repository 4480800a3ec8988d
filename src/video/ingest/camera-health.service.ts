import { pathInScope, type Actor } from '../../identity/actor.ts';
import type { EventBus } from '../../platform/bus/bus.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
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

/** Where a camera lies in the org tree (the network domain); undefined for no such camera. */
export interface CameraScopes {
  scopePathOf(cameraId: string): Promise<string | undefined>;
}

export interface HealthReport {
  cameraId: string;
  /** Unknown: no ingest has reported on this camera yet. */
  status: 'online' | 'offline' | 'unknown';
  statusSince: string | null;
  fps: number | null;
  bitrateKbps: number | null;
  lastFrameAt: string | null;
  reconnects: number;
  /** The worker whose ingest last wrote this, and when. */
  workerId: string | null;
  updatedAt: string | null;
  uptime: Uptime & { from: string; to: string };
}

/** Reads camera health for people, within their scope. */
export class CameraHealthReader {
  constructor(
    private readonly repo: CameraHealthRepository,
    private readonly cameras: CameraScopes,
  ) {}

  async report(actor: Actor, cameraId: string, from: Date, to: Date): Promise<HealthReport> {
    const scope = await this.cameras.scopePathOf(cameraId);
    // Outside the actor's scope reads as absent, so ids can't be probed.
    if (scope === undefined || !pathInScope(actor.scopePath, scope)) throw new NotFoundError('camera', cameraId);
    const [row, log] = await Promise.all([this.repo.get(cameraId), this.repo.statusLog(cameraId, from, to)]);
    return {
      cameraId,
      status: row?.status ?? 'unknown',
      statusSince: row?.status_since.toISOString() ?? null,
      fps: row?.fps ?? null,
      bitrateKbps: row?.bitrate_kbps ?? null,
      lastFrameAt: row?.last_frame_at?.toISOString() ?? null,
      reconnects: row?.reconnects ?? 0,
      workerId: row?.worker_id ?? null,
      updatedAt: row?.updated_at.toISOString() ?? null,
      uptime: { ...uptimeOf(log, from, to), from: from.toISOString(), to: to.toISOString() },
    };
  }
}
