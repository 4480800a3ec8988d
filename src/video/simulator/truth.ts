// Ground truth for a simulated camera: which vehicle (and plate) passed when, in which lane and
// direction, when its plate was readable, who walked by, and how many people and vehicles were in view
// each second. Kept in memory and appended as JSON lines to `<dir>/<cameraId>.truth.jsonl`.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Box } from './frame.ts';
import type { FrameInfo } from './renderer.ts';
import type { Person, Traffic, Vehicle } from './traffic.ts';

export interface CameraTruth {
  type: 'camera';
  simulated: true;
  cameraId: string;
  name: string;
  width: number;
  height: number;
  fps: number;
  seed: number;
  startedAt: string;
  /** How the render time is burnt into each frame: see timestamp-code.ts. */
  timestampCode: 'blocks-v1';
}

export interface VehicleTruth {
  type: 'vehicle';
  simulated: true;
  cameraId: string;
  id: string;
  kind: Vehicle['kind'];
  colour: string;
  /** Null for motorbikes and rickshaws, which carry no readable plate in the simulator. */
  plate: string | null;
  lane: number;
  direction: Vehicle['direction'];
  speedKmh: number;
  /** First and last moment any part of it was in the frame (ISO 8601); exitAt null if still in view at stop. */
  enterAt: string;
  exitAt: string | null;
  /**
   * From the frames the camera actually produced: the frame in which the plate was whole, uncovered
   * and largest, and its character height there (pixels); the first and last frames in which it was
   * readable (whole, uncovered, characters at least READABLE_CHAR_PX high) and how many such frames.
   */
  plateBestAt: string | null;
  plateCharPx: number | null;
  plateReadableFrom: string | null;
  plateReadableUntil: string | null;
  plateReadableFrames: number;
}

export interface PersonTruth {
  type: 'person';
  simulated: true;
  cameraId: string;
  id: string;
  walkway: Person['side'];
  direction: Person['direction'];
  enterAt: string;
  exitAt: string | null;
}

/** People and vehicles with any part in the frame, once a second. */
export interface CountTruth {
  type: 'count';
  simulated: true;
  cameraId: string;
  at: string;
  people: number;
  vehicles: number;
}

type BoxTuple = [number, number, number, number];

/** Every object's box in one frame: written only when frame truth is asked for (it is large). */
export interface FrameTruth {
  type: 'frame';
  simulated: true;
  cameraId: string;
  at: string;
  vehicles: { id: string; plate: string | null; box: BoxTuple; plateBox: BoxTuple | null }[];
  people: { id: string; box: BoxTuple }[];
}

export type TruthRecord = CameraTruth | VehicleTruth | PersonTruth | CountTruth | FrameTruth;

export interface TruthOptions {
  camera: Omit<CameraTruth, 'type' | 'simulated' | 'startedAt' | 'timestampCode'>;
  traffic: Traffic;
  /** Wall-clock time of scene time 0. */
  originMs: number;
  /** Folder for `<cameraId>.truth.jsonl`; in memory only when absent. */
  dir?: string;
  frames?: boolean;
  /** Records kept in memory, oldest dropped first. */
  keep?: number;
}

/** A plate counts as readable in a frame when whole, uncovered and at least this tall (pixels). */
export const READABLE_CHAR_PX = 16;

interface PlateSightings {
  bestMs: number | null;
  bestPx: number;
  readableFromMs: number | null;
  readableUntilMs: number | null;
  readableFrames: number;
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();
const tuple = (b: Box): BoxTuple => [Math.round(b.x0), Math.round(b.y0), Math.round(b.x1), Math.round(b.y1)];

export class TruthRecorder {
  private readonly records: TruthRecord[] = [];
  private readonly sightings = new Map<string, PlateSightings>();
  private readonly out: WriteStream | null;
  private lastT = -Infinity;
  private lastCountSecond = -Infinity;
  readonly path: string | null;

  constructor(private readonly options: TruthOptions) {
    this.path = options.dir ? join(options.dir, `${options.camera.cameraId}.truth.jsonl`) : null;
    if (options.dir) mkdirSync(options.dir, { recursive: true });
    this.out = this.path ? createWriteStream(this.path, { flags: 'w' }) : null;
    this.add({ type: 'camera', simulated: true, ...options.camera, startedAt: iso(options.originMs), timestampCode: 'blocks-v1' });
  }

  all(): TruthRecord[] {
    return [...this.records];
  }

  /** Records what the frame at `info.atMs` completes: departures since the last frame and the count. */
  frame(info: FrameInfo): void {
    const { traffic, originMs, camera } = this.options;
    const t = info.atMs - originMs;
    for (const v of info.vehicles) {
      if (!v.plateBox || v.plateCharPx === null) continue;
      const seen = this.sightings.get(v.id) ?? { bestMs: null, bestPx: 0, readableFromMs: null, readableUntilMs: null, readableFrames: 0 };
      this.sightings.set(v.id, seen);
      if (v.plateCharPx > seen.bestPx) {
        seen.bestPx = v.plateCharPx;
        seen.bestMs = info.atMs;
      }
      if (v.plateCharPx >= READABLE_CHAR_PX) {
        seen.readableFromMs ??= info.atMs;
        seen.readableUntilMs = info.atMs;
        seen.readableFrames++;
      }
    }
    for (const v of traffic.vehiclesLeaving(Math.max(this.lastT, -1), t)) this.add(this.vehicle(v, v.exitMs!));
    for (const p of traffic.peopleLeaving(Math.max(this.lastT, -1), t)) this.add(this.person(p, p.exitMs!));
    const second = Math.floor(info.atMs / 1000);
    if (second !== this.lastCountSecond) {
      this.lastCountSecond = second;
      this.add({ type: 'count', simulated: true, cameraId: camera.cameraId, at: iso(info.atMs), people: info.people.length, vehicles: info.vehicles.length });
      traffic.forgetBefore(t - 120_000);
    }
    if (this.options.frames) {
      this.add({
        type: 'frame',
        simulated: true,
        cameraId: camera.cameraId,
        at: iso(info.atMs),
        vehicles: info.vehicles.map((v) => ({ id: v.id, plate: v.plate, box: tuple(v.box), plateBox: v.plateBox && tuple(v.plateBox) })),
        people: info.people.map((p) => ({ id: p.id, box: tuple(p.box) })),
      });
    }
    this.lastT = t;
  }

  /** Writes who is still in view (exitAt null) and closes the file. */
  async finish(): Promise<void> {
    if (this.lastT > -Infinity) {
      for (const v of this.options.traffic.vehiclesInView(this.lastT)) this.add(this.vehicle(v, null));
      for (const p of this.options.traffic.peopleInView(this.lastT)) this.add(this.person(p, null));
    }
    if (this.out) await new Promise<void>((resolve, reject) => this.out!.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  private vehicle(v: Vehicle, exitMs: number | null): VehicleTruth {
    const { originMs } = this.options;
    const seen = this.sightings.get(v.id);
    this.sightings.delete(v.id);
    const at = (ms: number | null | undefined) => (ms == null ? null : iso(ms));
    return {
      type: 'vehicle',
      simulated: true,
      cameraId: this.options.camera.cameraId,
      id: v.id,
      kind: v.kind,
      colour: v.model.colour,
      plate: v.plate,
      lane: v.lane.index,
      direction: v.direction,
      speedKmh: Math.round(v.speed * 36) / 10,
      // The camera only saw what happened after it started.
      enterAt: iso(originMs + Math.max(0, v.enterMs!)),
      exitAt: exitMs === null ? null : iso(originMs + exitMs),
      plateBestAt: at(seen?.bestMs),
      plateCharPx: seen?.bestMs ? Math.round(seen.bestPx * 10) / 10 : null,
      plateReadableFrom: at(seen?.readableFromMs),
      plateReadableUntil: at(seen?.readableUntilMs),
      plateReadableFrames: seen?.readableFrames ?? 0,
    };
  }

  private person(p: Person, exitMs: number | null): PersonTruth {
    return {
      type: 'person',
      simulated: true,
      cameraId: this.options.camera.cameraId,
      id: p.id,
      walkway: p.side,
      direction: p.direction,
      enterAt: iso(this.options.originMs + Math.max(0, p.enterMs!)),
      exitAt: exitMs === null ? null : iso(this.options.originMs + exitMs),
    };
  }

  private add(record: TruthRecord): void {
    this.records.push(record);
    const keep = this.options.keep ?? 50_000;
    if (this.records.length > keep) this.records.splice(1, this.records.length - keep);
    this.out?.write(`${JSON.stringify(record)}\n`);
  }
}
