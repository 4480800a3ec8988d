// What vehicles and people look like: each is a short list of flat parts in the actor's own frame
// (lateral offset from its centre line, height above the road, depth behind its nearest face), so a
// head-on or tail-on view with a little perspective costs a handful of trapezoid fills per frame.
import { rgbToYuv, shade, type Rgb, type Yuv } from './frame.ts';
import type { Direction } from './geometry.ts';
import type { Rng } from './rng.ts';

export type VehicleKind = 'car' | 'motorbike' | 'rickshaw' | 'truck';

/** A point in the actor's frame: lateral offset x, height h, depth d behind its nearest face. */
export interface P3 {
  x: number;
  h: number;
  d: number;
}

export type Part =
  /**
   * A flat convex polygon. `cull` marks a side face: +1 faces right (+x), -1 left; it is drawn only when
   * the camera can see it, which depends on where the actor stands.
   */
  | { t: 'poly'; pts: P3[]; c: Yuv; cull?: 1 | -1 }
  | { t: 'ellipse'; d: number; h: number; x: number; rx: number; ry: number; c: Yuv }
  /** A licence plate whose bottom edge is centred at (x, h, d). */
  | { t: 'plate'; d: number; h: number; x: number; text: string };

export interface VehicleModel {
  kind: VehicleKind;
  colour: string;
  width: number;
  length: number;
  parts: Part[];
}

/** Plate lettering: cap height and cell aspect in metres (drawn large: see geometry.ts). */
export const PLATE = { charHeight: 0.2, aspect: 0.75, marginX: 0.06, marginY: 0.05 } as const;

const yuv = (c: Rgb): Yuv => rgbToYuv(c);
const faceYuv = (d: number, h0: number, h1: number, l: number, r: number, c: Yuv): Part => ({
  t: 'poly',
  pts: [{ x: l, h: h0, d }, { x: l, h: h1, d }, { x: r, h: h1, d }, { x: r, h: h0, d }],
  c,
});
/** An upright face across the actor at depth d, from height h0 to h1 and from x = l to r. */
const face = (d: number, h0: number, h1: number, l: number, r: number, c: Rgb): Part => faceYuv(d, h0, h1, l, r, yuv(c));
/** A level surface at height h from depth d0 to d1. */
const top = (d0: number, d1: number, h: number, l: number, r: number, c: Rgb): Part => ({
  t: 'poly',
  pts: [{ x: l, h, d: d0 }, { x: l, h, d: d1 }, { x: r, h, d: d1 }, { x: r, h, d: d0 }],
  c: yuv(c),
});
/** A sloping surface (windscreen, bonnet) from a near edge at (d0, h0) to a far one at (d1, h1). */
const slope = (d0: number, h0: number, l0: number, r0: number, d1: number, h1: number, l1: number, r1: number, c: Rgb): Part => ({
  t: 'poly',
  pts: [{ x: l0, h: h0, d: d0 }, { x: l1, h: h1, d: d1 }, { x: r1, h: h1, d: d1 }, { x: r0, h: h0, d: d0 }],
  c: yuv(c),
});
/** Both flanks at |x| = half, each outline given as (d, h) points. */
const flanks = (half: number, outline: [number, number][], c: Rgb): Part[] =>
  ([-1, 1] as const).map((cull) => ({ t: 'poly', pts: outline.map(([d, h]) => ({ x: cull * half, h, d })), c: yuv(c), cull }));
const pair = (make: (l: number, r: number) => Part, inner: number, outer: number): Part[] => [make(-outer, -inner), make(inner, outer)];

const GLASS: Rgb = [38, 52, 66];
const GLASS_SHINE: Rgb = [92, 112, 132];
const TYRE: Rgb = [22, 22, 24];
const HEADLIGHT: Rgb = [245, 245, 225];
const TAILLIGHT: Rgb = [205, 25, 25];
const PLASTIC: Rgb = [40, 40, 44];

const CAR_COLOURS: (readonly [[string, Rgb], number])[] = [
  [['white', [236, 236, 232]], 30],
  [['silver', [186, 189, 194]], 20],
  [['black', [32, 32, 36]], 12],
  [['grey', [112, 114, 120]], 10],
  [['red', [172, 30, 30]], 8],
  [['maroon', [112, 22, 36]], 5],
  [['blue', [32, 62, 152]], 6],
  [['green', [32, 112, 62]], 3],
  [['beige', [202, 186, 150]], 3],
  [['yellow', [232, 192, 40]], 3],
];
const TRUCK_COLOURS: (readonly [[string, Rgb], number])[] = [
  [['red', [200, 42, 30]], 1],
  [['yellow', [232, 172, 22]], 1],
  [['green', [30, 122, 62]], 1],
  [['blue', [32, 82, 172]], 1],
];
const RICKSHAW_COLOURS: (readonly [[string, Rgb], number])[] = [
  [['green', [40, 142, 72]], 3],
  [['blue', [36, 92, 170]], 2],
  [['yellow', [226, 186, 30]], 1],
  [['red', [180, 36, 30]], 1],
];
const BIKE_COLOURS: (readonly [[string, Rgb], number])[] = [
  [['red', [182, 26, 26]], 3],
  [['black', [30, 30, 32]], 2],
  [['blue', [30, 60, 150]], 1],
];
/** Shalwar kameez and chadar colours. */
const CLOTHES: Rgb[] = [
  [232, 232, 226], [170, 196, 222], [128, 128, 132], [120, 92, 62], [96, 104, 62], [36, 36, 40], [204, 188, 150], [60, 76, 132], [150, 40, 60],
];
const SKIN: Rgb[] = [
  [206, 164, 128], [174, 128, 92], [142, 102, 72],
];
const HAIR: Rgb = [28, 24, 22];

export function vehicleModel(kind: VehicleKind, direction: Direction, plate: string | null, rng: Rng): VehicleModel {
  switch (kind) {
    case 'car':
      return car(direction, plate!, rng);
    case 'truck':
      return truck(direction, plate!, rng);
    case 'rickshaw':
      return rickshaw(direction, rng);
    case 'motorbike':
      return motorbike(direction, rng);
  }
}

function car(direction: Direction, plate: string, rng: Rng): VehicleModel {
  const [colour, body] = rng.weighted(CAR_COLOURS);
  const w = 1.0;
  const side = shade(body, 0.7);
  const parts: Part[] =
    direction === 'toward'
      ? [
          top(3.4, 4.3, 1.0, -0.95, 0.95, shade(body, 1.04)),
          top(2.0, 3.4, 1.45, -0.78, 0.78, shade(body, 1.1)),
          slope(1.1, 1.0, -0.92, 0.92, 2.0, 1.45, -0.78, 0.78, GLASS),
          slope(1.55, 1.22, -0.5, -0.1, 1.9, 1.4, -0.42, -0.15, GLASS_SHINE),
          slope(0.12, 0.9, -w, w, 1.1, 1.0, -0.95, 0.95, shade(body, 1.04)),
          ...flanks(0.86, [[1.1, 1.0], [2.0, 1.45], [3.4, 1.45], [3.9, 1.0]], shade(GLASS, 1.2)),
          ...flanks(w, [[0.05, 0.22], [0.12, 0.9], [1.1, 1.0], [4.3, 1.0], [4.3, 0.22]], side),
          ...pair((l, r) => face(0.2, 0, 0.32, l, r, TYRE), 0.7, 0.97),
          face(0, 0.22, 0.9, -w, w, shade(body, 0.82)),
          face(0, 0.56, 0.78, -0.46, 0.46, PLASTIC),
          ...pair((l, r) => face(0, 0.62, 0.8, l, r, HEADLIGHT), 0.6, 0.93),
          face(0, 0.2, 0.44, -w, w, shade(body, 0.62)),
          { t: 'plate', d: 0, h: 0.24, x: 0, text: plate },
        ]
      : [
          top(2.5, 4.3, 0.95, -0.95, 0.95, shade(body, 1.04)),
          top(0.95, 2.5, 1.45, -0.78, 0.78, shade(body, 1.1)),
          slope(0.35, 1.0, -0.9, 0.9, 0.95, 1.45, -0.78, 0.78, GLASS),
          slope(0.04, 0.95, -w, w, 0.35, 1.0, -0.95, 0.95, shade(body, 1.04)),
          ...flanks(0.86, [[0.35, 1.0], [0.95, 1.45], [2.5, 1.45], [3.3, 1.0]], shade(GLASS, 1.2)),
          ...flanks(w, [[0, 0.22], [0, 0.95], [0.35, 1.0], [4.2, 0.95], [4.3, 0.22]], side),
          ...pair((l, r) => face(0.3, 0, 0.32, l, r, TYRE), 0.7, 0.97),
          face(0, 0.22, 0.95, -w, w, shade(body, 0.82)),
          ...pair((l, r) => face(0, 0.64, 0.84, l, r, TAILLIGHT), 0.62, 0.95),
          face(0, 0.2, 0.42, -w, w, shade(body, 0.6)),
          { t: 'plate', d: 0, h: 0.26, x: 0, text: plate },
        ];
  return { kind: 'car', colour, width: 2 * w, length: 4.3, parts };
}

function truck(direction: Direction, plate: string, rng: Rng): VehicleModel {
  const [colour, cab] = rng.weighted(TRUCK_COLOURS);
  const [, band] = rng.weighted(TRUCK_COLOURS);
  const cargo: Rgb = rng.pick<Rgb>([[150, 108, 58], [96, 112, 60], [170, 160, 150]]);
  const w = 1.25;
  const stripes = (d: number, h0: number, h1: number): Part[] =>
    Array.from({ length: 6 }, (_, i) => face(d, h0, h1, -w + (i * 2 * w) / 6, -w + ((i + 0.5) * 2 * w) / 6, i % 2 ? band : HEADLIGHT));
  const parts: Part[] =
    direction === 'toward'
      ? [
          top(2.3, 9, 3.4, -w, w, shade(cargo, 1.12)),
          ...flanks(w, [[2.3, 0.9], [2.3, 3.4], [9, 3.4], [9, 0.9]], shade(cargo, 0.72)),
          face(2.3, 2.3, 3.4, -w, w, cargo),
          ...stripes(2.3, 3.0, 3.3),
          top(0, 2.3, 2.3, -1.2, 1.2, shade(cab, 1.1)),
          ...flanks(w, [[0, 0.45], [0, 2.3], [2.3, 2.3], [2.3, 0.45]], shade(cab, 0.7)),
          ...pair((l, r) => face(0.25, 0, 0.6, l, r, TYRE), 0.85, 1.2),
          face(0, 0.45, 2.3, -w, w, cab),
          face(0, 1.45, 2.2, -1.12, 1.12, GLASS),
          face(0, 1.2, 1.4, -w, w, band),
          face(0, 0.75, 1.15, -0.6, 0.6, PLASTIC),
          ...pair((l, r) => face(0, 0.9, 1.1, l, r, HEADLIGHT), 0.8, 1.15),
          face(0, 0.45, 0.7, -w, w, [172, 172, 178]),
          { t: 'plate', d: 0, h: 0.74, x: 0, text: plate },
        ]
      : [
          ...flanks(1.2, [[6.7, 0.45], [6.7, 2.3], [9, 2.3], [9, 0.45]], shade(cab, 0.7)),
          top(0, 6.7, 3.4, -w, w, shade(cargo, 1.12)),
          ...flanks(w, [[0, 0.9], [0, 3.4], [6.7, 3.4], [6.7, 0.9]], shade(cargo, 0.72)),
          ...pair((l, r) => face(0.4, 0, 0.62, l, r, TYRE), 0.8, 1.22),
          face(0, 0.9, 3.4, -w, w, cargo),
          ...stripes(0, 3.0, 3.3),
          face(0, 1.4, 2.9, -0.03, 0.03, shade(cargo, 0.55)),
          face(0, 0.45, 0.6, -1.1, 1.1, PLASTIC),
          ...pair((l, r) => face(0, 0.64, 0.82, l, r, TAILLIGHT), 0.85, 1.15),
          { t: 'plate', d: 0, h: 0.95, x: 0, text: plate },
        ];
  return { kind: 'truck', colour, width: 2 * w, length: 9, parts };
}

function rickshaw(direction: Direction, rng: Rng): VehicleModel {
  const [colour, body] = rng.weighted(RICKSHAW_COLOURS);
  const canopy: Rgb = [26, 26, 28];
  const parts: Part[] =
    direction === 'toward'
      ? [
          top(0.2, 2.2, 1.75, -0.72, 0.72, [44, 44, 46]),
          ...flanks(0.7, [[0.15, 0.3], [0.15, 1.0], [2.4, 1.0], [2.4, 0.3]], shade(body, 0.72)),
          ...flanks(0.72, [[0.2, 1.45], [0.2, 1.75], [2.2, 1.75], [2.2, 1.45]], canopy),
          ...pair((l, r) => face(1.8, 0, 0.36, l, r, TYRE), 0.52, 0.7),
          face(0.2, 1.45, 1.75, -0.72, 0.72, canopy),
          face(0.2, 0.95, 1.45, -0.6, 0.6, GLASS),
          slope(0.05, 0.35, -0.35, 0.35, 0.15, 0.97, -0.62, 0.62, body),
          face(0, 0, 0.4, -0.09, 0.09, TYRE),
          { t: 'ellipse', d: 0.04, h: 0.78, x: 0, rx: 0.1, ry: 0.08, c: yuv(HEADLIGHT) },
        ]
      : [
          top(0, 2.0, 1.75, -0.72, 0.72, [44, 44, 46]),
          ...flanks(0.7, [[0, 0.3], [0, 1.0], [2.3, 1.0], [2.4, 0.3]], shade(body, 0.72)),
          ...flanks(0.72, [[0, 1.45], [0, 1.75], [2.0, 1.75], [2.0, 1.45]], canopy),
          ...pair((l, r) => face(0.05, 0, 0.36, l, r, TYRE), 0.52, 0.7),
          face(0, 0.3, 1.0, -0.7, 0.7, body),
          face(0, 1.0, 1.5, -0.62, 0.62, [42, 36, 30]),
          face(0, 1.5, 1.75, -0.72, 0.72, canopy),
          ...pair((l, r) => face(0, 0.5, 0.62, l, r, TAILLIGHT), 0.5, 0.66),
        ];
  return { kind: 'rickshaw', colour, width: 1.44, length: 2.6, parts };
}

function motorbike(direction: Direction, rng: Rng): VehicleModel {
  const [colour, body] = rng.weighted(BIKE_COLOURS);
  const shirt = rng.pick(CLOTHES);
  const skin = rng.pick(SKIN);
  const helmet = rng.next() < 0.5;
  const light = direction === 'toward' ? HEADLIGHT : TAILLIGHT;
  const rider = (d: number, tall: number): Part[] => [
    ...pair((l, r) => face(d - 0.05, 0.35, 0.82, l, r, shade(shirt, 0.7)), 0.12, 0.28),
    face(d, 0.8, 1.38 * tall, -0.22, 0.22, shirt),
    {
      t: 'ellipse',
      d,
      h: 1.38 * tall + 0.14,
      x: 0,
      rx: helmet ? 0.14 : 0.11,
      ry: helmet ? 0.15 : 0.13,
      c: yuv(helmet ? [20, 20, 22] : direction === 'toward' ? skin : HAIR),
    },
  ];
  const withPillion = rng.next() < 0.3;
  // Seen from the front the pillion sits behind the rider; from behind, in front of him.
  const parts: Part[] =
    direction === 'toward'
      ? [
          ...(withPillion ? rider(0.85, 1.04) : []),
          face(1.2, 0, 0.58, -0.06, 0.06, TYRE),
          face(0.15, 0.95, 1.0, -0.38, 0.38, PLASTIC),
          ...rider(0.45, 1),
          face(0, 0, 0.6, -0.065, 0.065, TYRE),
          face(0, 0.52, 0.72, -0.11, 0.11, body),
          { t: 'ellipse', d: 0, h: 0.84, x: 0, rx: 0.08, ry: 0.07, c: yuv(light) },
        ]
      : [
          face(1.2, 0, 0.58, -0.06, 0.06, TYRE),
          face(1.05, 0.95, 1.0, -0.38, 0.38, PLASTIC),
          ...rider(0.7, 1),
          ...(withPillion ? rider(0.35, 1.04) : []),
          face(0, 0, 0.6, -0.065, 0.065, TYRE),
          face(0, 0.52, 0.72, -0.11, 0.11, body),
          { t: 'ellipse', d: 0, h: 0.8, x: 0, rx: 0.07, ry: 0.05, c: yuv(light) },
        ];
  return { kind: 'motorbike', colour, width: 0.8, length: 1.9, parts };
}

export interface PersonLook {
  clothes: Yuv;
  legs: Yuv;
  skin: Yuv;
  hair: Yuv;
  /** Kameez length: 0.62 reaches the knee. */
  hem: number;
  height: number;
}

export function personLook(rng: Rng): PersonLook {
  const clothes = rng.pick(CLOTHES);
  return {
    clothes: yuv(clothes),
    legs: yuv(rng.next() < 0.7 ? clothes : rng.pick(CLOTHES)),
    skin: yuv(rng.pick(SKIN)),
    hair: yuv(HAIR),
    hem: rng.range(0.55, 0.8),
    height: rng.range(1.55, 1.82),
  };
}

/** A walker's parts at a point in the stride (phase in radians), facing toward or away from the camera. */
export function personParts(look: PersonLook, direction: Direction, phase: number): Part[] {
  const k = look.height / 1.7;
  const lift = (p: number) => Math.max(0, Math.sin(p)) * 0.09 * k;
  const bob = Math.abs(Math.sin(phase)) * 0.025;
  const swing = Math.sin(phase) * 0.05;
  const headH = 1.58 * k + bob;
  return [
    faceYuv(0, lift(phase), 0.86 * k, -0.17, -0.04, look.legs),
    faceYuv(0, lift(phase + Math.PI), 0.86 * k, 0.04, 0.17, look.legs),
    faceYuv(0, look.hem * k + bob, 1.45 * k + bob, -0.2, 0.2, look.clothes),
    faceYuv(0.02, 0.78 * k + bob + swing, 1.4 * k + bob, -0.27, -0.2, look.clothes),
    faceYuv(0.02, 0.78 * k + bob - swing, 1.4 * k + bob, 0.2, 0.27, look.clothes),
    { t: 'ellipse', d: 0, h: headH, x: 0, rx: 0.1 * k, ry: 0.125 * k, c: direction === 'toward' ? look.skin : look.hair },
    { t: 'ellipse', d: 0, h: headH + 0.07 * k, x: 0, rx: 0.095 * k, ry: 0.06 * k, c: look.hair },
  ];
}
