import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventBus, Subscription } from '../../platform/bus/bus.ts';
import type { StreamRow } from '../../platform/db/schema.ts';
import type { HealthSnapshot } from './camera-health.ts';
import type { CameraHealthService } from './camera-health.service.ts';
import type { LeaseRepository } from './lease.repository.ts';

// Which cameras this worker ingests. Every worker claims leases on cameras worth ingesting (a record
// or live stream, not planned or under maintenance) up to its share, renews them every
// leaseSeconds/3 and runs one ingest per lease it holds. A worker that dies stops renewing; its
// cameras are taken over once their leases lapse. A worker that cannot renew stops its ingests
// before its leases can lapse, so two workers never ingest one camera.

/** What the manager needs to know of a camera (the network domain's CameraRecord has it). */
export interface IngestCamera {
  id: string;
  status: string;
  streams: StreamRow[];
}

/** The network domain: cameras that should be ingested. */
export interface IngestCameraSource {
  listIngestCameras(): Promise<IngestCamera[]>;
}

/** What to run for one camera: its main stream, recorded when it has a record stream. */
export interface IngestPlan {
  cameraId: string;
  url: string;
  record: boolean;
}

export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
  snapshot(): HealthSnapshot;
}

export interface IngestManagerOptions {
  workerId?: string;
  cameras: IngestCameraSource;
  leases: LeaseRepository;
  bus: EventBus;
  health?: CameraHealthService;
  leaseSeconds: number;
  maxCameras: number;
  createIngest(plan: IngestPlan): Ingest;
  /** The camera's ingest left this worker for good (lease lost, camera changed or removed, stop). */
  onIngestStopped?(cameraId: string): void;
  log?: (message: string) => void;
}

/** The camera opened once: the record stream if there is one (the full-quality one), else live. */
export function planFor(camera: IngestCamera): IngestPlan | null {
  if (camera.status === 'planned' || camera.status === 'maintenance') return null;
  const record = camera.streams.find((s) => s.role === 'record');
  const live = camera.streams.find((s) => s.role === 'live');
  const stream = record ?? live;
  return stream ? { cameraId: camera.id, url: stream.url, record: record !== undefined } : null;
}

const samePlan = (a: IngestPlan, b: IngestPlan): boolean => a.url === b.url && a.record === b.record;

export function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

interface Running {
  plan: IngestPlan;
  ingest: Ingest;
  /**
   * Local time by which the lease lapses at the latest: the start of the request that took or
   * renewed it, plus the lease. The database's expiry is later, so this side stops first.
   */
  validUntil: number;
}

export class IngestManager {
  readonly workerId: string;
  private readonly running = new Map<string, Running>();
  /** Plans that failed to start, not retried until the camera changes. */
  private readonly broken = new Map<string, IngestPlan>();
  private readonly log: (message: string) => void;
  private readonly leaseMs: number;
  private timer?: NodeJS.Timeout;
  private subscription?: Subscription;
  private cycle?: Promise<void>;
  private again = false;
  private stopping = false;

  constructor(private readonly options: IngestManagerOptions) {
    this.workerId = options.workerId ?? newWorkerId();
    this.log = options.log ?? (() => {});
    this.leaseMs = options.leaseSeconds * 1000;
  }

  /** Cameras this worker ingests now. */
  cameraIds(): string[] {
    return [...this.running.keys()].sort();
  }

  snapshots(): Map<string, HealthSnapshot> {
    return new Map([...this.running].map(([id, r]) => [id, r.ingest.snapshot()]));
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe('network.camera.changed', {}, () => this.poke());
    this.timer = setInterval(() => {
      this.fence();
      void this.poke();
    }, this.leaseMs / 3);
    await this.poke();
  }

  /** Reconciles now (or right after the pass under way); resolves when that pass is done. */
  poke(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.cycle) {
      this.again = true;
      return this.cycle;
    }
    this.cycle = (async () => {
      try {
        do {
          this.again = false;
          await this.reconcile().catch((err) => this.log(`ingest ${this.workerId}: ${(err as Error).message}`));
        } while (this.again && !this.stopping);
      } finally {
        this.cycle = undefined;
      }
    })();
    return this.cycle;
  }

  /**
   * Stops every ingest (each closes its last segment) and gives up the leases. A pass under way is
   * waited for at most a lease's length (its database may be hanging).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.subscription?.unsubscribe();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.cycle, new Promise((r) => (timer = setTimeout(r, this.leaseMs)))]);
    clearTimeout(timer);
    const ids = [...this.running.keys()];
    await Promise.all(ids.map((id) => this.stopIngest(id, 'stop')));
    await this.options.health?.settled();
    await this.options.leases.release(this.workerId, ids).catch((err) => this.log(`ingest ${this.workerId}: releasing leases: ${(err as Error).message}`));
  }

  /**
   * Runs apart from the reconcile pass, which may hang on an unreachable database: ingests whose
   * leases are about to lapse unrenewed are stopped before another worker can take them over.
   */
  private fence(): void {
    const deadline = Date.now() + this.leaseMs * 0.2;
    const lapsing = [...this.running].filter(([, r]) => r.validUntil < deadline).map(([id]) => id);
    if (!lapsing.length) return;
    this.log(`ingest ${this.workerId}: ${lapsing.length} leases about to lapse unrenewed; stopping their ingests`);
    for (const id of lapsing) void this.stopIngest(id, 'lease not renewed');
  }

  private async reconcile(): Promise<void> {
    const { leases, leaseSeconds } = this.options;
    // 1. Keep what we hold; stop what we lost. Without a renewal for a whole lease we can no
    //    longer tell whether another worker has taken over, so we stop everything.
    const renewStartedAt = Date.now();
    try {
      const held = await leases.renew(this.workerId, [...this.running.keys()], leaseSeconds);
      for (const [id, run] of [...this.running]) {
        if (held.has(id)) run.validUntil = renewStartedAt + this.leaseMs;
        else await this.stopIngest(id, 'lease lost');
      }
    } catch (err) {
      this.fence();
      throw err;
    }
    if (this.stopping) return;

    // 2. Follow the cameras: stop the ones no longer to be ingested, restart the changed ones.
    const plans = new Map<string, IngestPlan>();
    for (const camera of await this.options.cameras.listIngestCameras()) {
      const plan = planFor(camera);
      if (plan) plans.set(camera.id, plan);
    }
    for (const [id, run] of [...this.running]) {
      const plan = plans.get(id);
      if (!plan) {
        await this.stopIngest(id, 'camera no longer ingested');
        await leases.release(this.workerId, [id]);
      } else if (!samePlan(plan, run.plan)) {
        await this.stopIngest(id, 'camera changed', false);
        await this.startIngest(plan, run.validUntil);
      }
    }
    for (const [id, plan] of this.broken) if (!plans.has(id) || !samePlan(plans.get(id)!, plan)) this.broken.delete(id);
    await this.options.health?.update(this.snapshots()).catch((err) => this.log(`ingest ${this.workerId}: health: ${(err as Error).message}`));

    // 3. Claim free cameras up to our share. Starting many takes a while: after a third of a lease
    //    the pass ends and the next one (renewing first) goes on.
    const holders = await leases.holders();
    for (const [id, plan] of plans) {
      if (this.running.size >= this.options.maxCameras || this.stopping) break;
      if (this.running.has(id) || this.broken.has(id)) continue;
      const holder = holders.get(id);
      if (holder && holder !== this.workerId) continue;
      if (Date.now() - renewStartedAt > this.leaseMs / 3) {
        this.again = true;
        break;
      }
      const claimStartedAt = Date.now();
      if (await leases.claim(id, this.workerId, leaseSeconds)) await this.startIngest(plan, claimStartedAt + this.leaseMs);
    }
  }

  private async startIngest(plan: IngestPlan, validUntil: number): Promise<void> {
    if (this.stopping) {
      await this.options.leases.release(this.workerId, [plan.cameraId]);
      return;
    }
    try {
      const ingest = this.options.createIngest(plan);
      this.running.set(plan.cameraId, { plan, ingest, validUntil });
      await ingest.start();
    } catch (err) {
      this.running.delete(plan.cameraId);
      this.broken.set(plan.cameraId, plan);
      this.log(`camera ${plan.cameraId}: not ingested: ${(err as Error).message}`);
      await this.options.leases.release(this.workerId, [plan.cameraId]);
    }
  }

  private async stopIngest(cameraId: string, why: string, final = true): Promise<void> {
    const run = this.running.get(cameraId);
    if (!run) return;
    this.running.delete(cameraId);
    await run.ingest.stop().catch((err) => this.log(`camera ${cameraId}: stopping: ${(err as Error).message}`));
    this.options.health?.forget(cameraId);
    if (final) this.options.onIngestStopped?.(cameraId);
    this.log(`camera ${cameraId}: ingest stopped on ${this.workerId} (${why})`);
  }
}
