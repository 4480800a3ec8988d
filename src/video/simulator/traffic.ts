// Who is on the street when. Every vehicle and walker moves at a constant speed along its lane or
// walkway, so its position is a function of time alone: any frame time gives the same picture for the
// same seed, and when each one enters and leaves the view is known (and exact) the moment it spawns.
import { personLook, personParts, vehicleModel, type PersonLook, type VehicleKind, type VehicleModel } from './actors.ts';
import type { Box } from './frame.ts';
import { ROAD, walkway, type Direction, type Geometry, type Lane } from './geometry.ts';
import { PlateRegistry } from './plates.ts';
import { Rng } from './rng.ts';
import { clipBox, project } from './sprites.ts';

export interface TrafficOptions {
  seed: number;
  /** Mean seconds between vehicles in one lane (default 4.5). */
  vehicleHeadwaySeconds?: number;
  /** Mean seconds between walkers entering one walkway in one direction (default 20). */
  pedestrianHeadwaySeconds?: number;
}

export interface Vehicle {
  id: string;
  kind: VehicleKind;
  model: VehicleModel;
  plate: string | null;
  lane: Lane;
  direction: Direction;
  x: number;
  /** Metres per second. */
  speed: number;
  /** Times are milliseconds of scene time (0 = camera start). */
  spawnMs: number;
  endMs: number;
  enterMs: number | null;
  exitMs: number | null;
}

export interface Person {
  id: string;
  side: 'left' | 'right';
  direction: Direction;
  x: number;
  speed: number;
  look: PersonLook;
  spawnMs: number;
  endMs: number;
  enterMs: number | null;
  exitMs: number | null;
}

const KINDS: (readonly [VehicleKind, number])[] = [
  ['car', 0.52],
  ['motorbike', 0.2],
  ['rickshaw', 0.16],
  ['truck', 0.12],
];
/** Speed ranges in km/h. */
const SPEEDS: Record<VehicleKind, [number, number]> = {
  car: [35, 60],
  motorbike: [30, 55],
  rickshaw: [28, 42],
  truck: [25, 42],
};
const PATH = ROAD.zFar - ROAD.zUnder;
/** Walkers appear and vanish this far away, about ten pixels tall. */
const PERSON_FAR = 400;
const WINDOW_MS = 10_000;
/**
 * The street is already busy when the camera starts: generation begins long enough before that the
 * slowest vehicle (and walker) spawned then has crossed the whole view.
 */
const VEHICLE_WARMUP_MS = 100_000;
const PEOPLE_WARMUP_MS = 380_000;
/** Timing resolution near the camera; far away, where nothing moves much on screen, steps are longer. */
const TIMING_STEP_MS = 20;

function timingStep(g: Geometry, z: number, base: number): number {
  return base * Math.min(25, Math.max(1, (0.4 * z) / g.zNear));
}

interface LaneState {
  lane: Lane;
  rng: Rng;
  next: number;
  last: Vehicle | null;
  count: number;
}

interface WalkState {
  side: 'left' | 'right';
  direction: Direction;
  rng: Rng;
  next: number;
  count: number;
}

export class Traffic {
  private readonly vehicles: Vehicle[] = [];
  private readonly people: Person[] = [];
  private readonly lanes: LaneState[];
  private readonly walks: WalkState[];
  private readonly plates: PlateRegistry;
  private readonly headway: number;
  private readonly walkHeadway: number;
  private generatedUntil = -PEOPLE_WARMUP_MS;

  constructor(
    readonly geometry: Geometry,
    options: TrafficOptions,
  ) {
    this.headway = (options.vehicleHeadwaySeconds ?? 4.5) * 1000;
    this.walkHeadway = (options.pedestrianHeadwaySeconds ?? 20) * 1000;
    this.plates = new PlateRegistry(Rng.derive(options.seed, 'plates'));
    this.lanes = ROAD.lanes.map((lane) => {
      const rng = Rng.derive(options.seed, `lane${lane.index}`);
      return { lane, rng, next: -VEHICLE_WARMUP_MS + rng.exponential(this.headway), last: null, count: 0 };
    });
    this.walks = (['left', 'right'] as const).flatMap((side) =>
      (['toward', 'away'] as const).map((direction) => {
        const rng = Rng.derive(options.seed, `walk-${side}-${direction}`);
        return { side, direction, rng, next: -PEOPLE_WARMUP_MS + rng.exponential(this.walkHeadway), count: 0 };
      }),
    );
  }

  /** Vehicles on the road at scene time t (ms), farthest first, with where they are. */
  vehiclesAt(t: number): { vehicle: Vehicle; z: number }[] {
    this.generate(t);
    return this.vehicles
      .filter((v) => v.spawnMs <= t && t <= v.endMs)
      .map((vehicle) => ({ vehicle, z: vehicleZ(vehicle, t) }));
  }

  peopleAt(t: number): { person: Person; z: number; phase: number }[] {
    this.generate(t);
    return this.people
      .filter((p) => p.spawnMs <= t && t <= p.endMs)
      .map((person) => {
        const walked = (person.speed * (t - person.spawnMs)) / 1000;
        return { person, z: personZ(person, t), phase: (walked / 0.75) * Math.PI };
      });
  }

  /** Vehicles whose last moment in view falls in (from, to] (ms). */
  vehiclesLeaving(from: number, to: number): Vehicle[] {
    this.generate(to);
    return this.vehicles.filter((v) => v.exitMs !== null && v.exitMs > from && v.exitMs <= to);
  }

  /** Vehicles in view at t, entered at or before it. */
  vehiclesInView(t: number): Vehicle[] {
    this.generate(t);
    return this.vehicles.filter((v) => v.enterMs !== null && v.enterMs <= t && v.exitMs! > t);
  }

  peopleLeaving(from: number, to: number): Person[] {
    this.generate(to);
    return this.people.filter((p) => p.exitMs !== null && p.exitMs > from && p.exitMs <= to);
  }

  peopleInView(t: number): Person[] {
    this.generate(t);
    return this.people.filter((p) => p.enterMs !== null && p.enterMs <= t && p.exitMs! > t);
  }

  /** Drops actors that left the road before t, so a long-running camera does not grow. */
  forgetBefore(t: number): void {
    const keep = <T extends { endMs: number }>(list: T[]) => {
      let i = 0;
      while (i < list.length && list[i].endMs < t) i++;
      if (i > 0) list.splice(0, i);
    };
    this.vehicles.sort((a, b) => a.endMs - b.endMs);
    this.people.sort((a, b) => a.endMs - b.endMs);
    keep(this.vehicles);
    keep(this.people);
  }

  // Generation runs in fixed windows, lane by lane, so the draws from the shared plate registry come
  // in the same order whatever frame times ask for them.
  private generate(t: number): void {
    while (this.generatedUntil <= t + WINDOW_MS) {
      const end = this.generatedUntil + WINDOW_MS;
      for (const lane of this.lanes) while (lane.next < end) this.spawnVehicle(lane);
      for (const walk of this.walks) while (walk.next < end) this.spawnPerson(walk);
      this.generatedUntil = end;
    }
  }

  private spawnVehicle(state: LaneState): void {
    const { rng, lane } = state;
    const kind = rng.weighted(KINDS);
    const [lo, hi] = SPEEDS[kind];
    const speed = rng.range(lo, hi) / 3.6;
    let spawnMs = state.next;
    const leader = state.last;
    if (leader) {
      // Keep a safe gap (two seconds, and never under six metres) behind the vehicle ahead for the
      // whole run, since nobody overtakes in a lane; closer, its plate would hide behind the leader.
      const gap = leader.model.length + Math.max(6, 2 * speed);
      const leaderEnd = leader.spawnMs + (PATH / leader.speed) * 1000;
      spawnMs = Math.max(spawnMs, leader.spawnMs + (gap / leader.speed) * 1000, leaderEnd - ((PATH - gap) / speed) * 1000);
    }
    const plate = kind === 'car' || kind === 'truck' ? this.plates.issue() : null;
    const model = vehicleModel(kind, lane.direction, plate, rng);
    const jitter = kind === 'truck' ? 0.15 : kind === 'motorbike' ? 0.8 : 0.3;
    const vehicle: Vehicle = {
      id: `v${lane.index}-${String(++state.count).padStart(5, '0')}`,
      kind,
      model,
      plate,
      lane,
      direction: lane.direction,
      x: lane.x + rng.range(-jitter, jitter),
      speed,
      spawnMs,
      endMs: spawnMs + (PATH / speed) * 1000,
      enterMs: null,
      exitMs: null,
    };
    this.time(vehicle);
    this.vehicles.push(vehicle);
    state.last = vehicle;
    state.next = spawnMs + rng.exponential(this.headway);
  }

  private spawnPerson(state: WalkState): void {
    const { rng } = state;
    const [inner, outer] = walkway(state.side);
    const speed = rng.range(1.1, 1.6);
    const person: Person = {
      id: `p${state.side[0]}${state.direction[0]}-${String(++state.count).padStart(5, '0')}`,
      side: state.side,
      direction: state.direction,
      x: rng.range(inner + 0.4, outer - 0.4),
      speed,
      look: personLook(rng),
      spawnMs: state.next,
      endMs: state.next + ((PERSON_FAR - ROAD.zUnder) / speed) * 1000,
      enterMs: null,
      exitMs: null,
    };
    const standing = personParts(person.look, person.direction, 0);
    for (let t = person.spawnMs; t <= person.endMs; t += timingStep(this.geometry, personZ(person, t), TIMING_STEP_MS * 5)) {
      if (!clipBox(project(this.geometry, standing, person.x, personZ(person, t)).box, this.geometry.width, this.geometry.height)) continue;
      person.enterMs ??= t;
      person.exitMs = t;
    }
    this.people.push(person);
    state.next += rng.exponential(this.walkHeadway);
  }

  /** When a vehicle is in view, sampled every 20 ms while it is near. */
  private time(v: Vehicle): void {
    const { width, height } = this.geometry;
    for (let t = v.spawnMs; t <= v.endMs; t += timingStep(this.geometry, vehicleZ(v, t), TIMING_STEP_MS)) {
      if (!clipBox(project(this.geometry, v.model.parts, v.x, vehicleZ(v, t)).box, width, height)) continue;
      v.enterMs ??= t;
      v.exitMs = t;
    }
  }
}

export function vehicleZ(v: Vehicle, t: number): number {
  const travelled = (v.speed * (t - v.spawnMs)) / 1000;
  return v.direction === 'toward' ? ROAD.zFar - travelled : ROAD.zUnder + travelled;
}

export function personZ(p: Person, t: number): number {
  const walked = (p.speed * (t - p.spawnMs)) / 1000;
  return p.direction === 'toward' ? PERSON_FAR - walked : ROAD.zUnder + walked;
}

/** A vehicle's box on screen at t, clipped to the frame. */
export function vehicleBox(g: Geometry, v: Vehicle, t: number): Box | null {
  return clipBox(project(g, v.model.parts, v.x, vehicleZ(v, t)).box, g.width, g.height);
}
