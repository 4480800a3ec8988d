// The part of the picture that never moves — sky, hills, shop fronts, walkways, kerbs, the road and
// its markings — painted once per camera (2×2 supersampled) and copied into every frame.
import { I420Frame, rgbToYuv, type Rgb } from './frame.ts';
import { ROAD, walkway, type Geometry } from './geometry.ts';
import { Rng } from './rng.ts';

const FACADE_X = walkway('right')[1];
const FACADE_MAX_Z = 320;
const HAZE: Rgb = [196, 204, 212];
const SHOP_COLOURS: Rgb[] = [
  [196, 170, 128], [176, 120, 92], [150, 150, 140], [214, 196, 160], [120, 130, 140], [186, 150, 110],
];
const SIGN_COLOURS: Rgb[] = [
  [200, 30, 40], [30, 90, 170], [30, 140, 70], [230, 180, 30], [240, 240, 236], [120, 40, 140],
];

function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x27d4eb2d) ^ Math.imul(b, 0x165667b1) ^ Math.imul(c, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

function mix(a: Rgb, b: Rgb, f: number): Rgb {
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Colour of the scene at sub-pixel position (x, y). */
function sample(g: Geometry, seed: number, x: number, y: number): Rgb {
  const side = x < g.vpX ? -1 : 1;
  const sFacade = (x - g.vpX) / (side * FACADE_X * g.ppm);
  if (sFacade > 0) {
    const z = g.zNear / sFacade;
    const h = g.camH - (y - g.horizonY) / (g.ppm * sFacade);
    if (z < FACADE_MAX_Z && h >= 0 && h <= ROAD.facadeHeight) return haze(facade(seed, side, z, h), z);
  }
  if (y <= g.horizonY) return sky(g, seed, x, y);
  const s = (y - g.horizonY) / (g.height - g.horizonY);
  const z = g.zNear / s;
  const X = (x - g.vpX) / (g.ppm * s);
  return haze(ground(seed, X, z, x, y), z);
}

function haze(c: Rgb, z: number): Rgb {
  return z < 60 ? c : mix(c, HAZE, Math.min(0.7, (z - 60) / 300));
}

function sky(g: Geometry, seed: number, x: number, y: number): Rgb {
  const unit = g.height / 720;
  const ridge = 18 + 12 * Math.sin(x / (140 * unit) + seed) + 7 * Math.sin(x / (47 * unit) + 2 * seed);
  if (y > g.horizonY - ridge * unit) return [150, 160, 174];
  return mix([112, 160, 214], [200, 212, 224], Math.max(0, y / g.horizonY));
}

function facade(seed: number, side: number, z: number, h: number): Rgb {
  const shop = Math.floor(z / 6.5);
  const along = z / 6.5 - shop;
  const r = hash(seed, shop, side);
  if (along < 0.04) return [70, 66, 62];
  const wall = SHOP_COLOURS[Math.floor(r * SHOP_COLOURS.length)];
  if (h < 3) {
    if (r > 0.55) return h < 2.8 && along > 0.1 && along < 0.9 ? [52, 44, 40] : wall;
    const slat = (h * 10) % 1 < 0.2;
    return slat ? [120, 124, 128] : [160, 164, 168];
  }
  if (h < 3.9) return SIGN_COLOURS[Math.floor(hash(seed, shop, side + 7) * SIGN_COLOURS.length)];
  const window = (h - 3.9) % 1.6 > 0.5 && (h - 3.9) % 1.6 < 1.3 && (along * 3) % 1 > 0.25 && (along * 3) % 1 < 0.75;
  return window ? [60, 70, 84] : wall;
}

function near(x: number, at: number, half: number): boolean {
  return Math.abs(x - at) < half;
}

function ground(seed: number, X: number, z: number, px: number, py: number): Rgb {
  const ax = Math.abs(X);
  const grain = (hash(seed, Math.floor(px), Math.floor(py)) - 0.5) * 10;
  if (ax > ROAD.rightEdge + ROAD.kerbWidth) {
    const seam = (ax * 1.6) % 1 < 0.06 || (z * 1.6) % 1 < 0.06;
    const base: Rgb = seam ? [128, 116, 110] : [176, 156, 146];
    return [base[0] + grain, base[1] + grain, base[2] + grain];
  }
  if (ax > ROAD.rightEdge) return Math.floor(z) % 2 === 0 ? [226, 188, 30] : [34, 34, 34];
  const asphalt: Rgb = [86 + grain, 88 + grain, 92 + grain];
  if (near(X, ROAD.medianX - 0.12, 0.07) || near(X, ROAD.medianX + 0.12, 0.07)) return [222, 186, 36];
  if (near(X, ROAD.leftEdge + 0.2, 0.07) || near(X, ROAD.rightEdge - 0.2, 0.07)) return [224, 224, 220];
  if (near(X, ROAD.medianX + ROAD.laneWidth, 0.07) && z % 9 < 3) return [224, 224, 220];
  // A zebra crossing and its stop lines.
  if (z > 46 && z < 50 && (X + 100) % 1 < 0.55) return [226, 226, 222];
  if ((z > 44.6 && z < 45 && X > ROAD.medianX) || (z > 51 && z < 51.4 && X < ROAD.medianX)) return [226, 226, 222];
  return asphalt;
}

/** Paints the static scene for one camera; different seeds give different shop fronts. */
export function paintBackground(g: Geometry, seed: number): I420Frame {
  const { width, height } = g;
  const rgb = new Float32Array(width * height * 3);
  const jitter = Rng.derive(seed, 'background').int(0, 1_000_000);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let gr = 0;
      let b = 0;
      for (let k = 0; k < 4; k++) {
        const c = sample(g, jitter, x + 0.25 + 0.5 * (k & 1), y + 0.25 + 0.5 * (k >> 1));
        r += c[0];
        gr += c[1];
        b += c[2];
      }
      const o = (y * width + x) * 3;
      rgb[o] = r / 4;
      rgb[o + 1] = gr / 4;
      rgb[o + 2] = b / 4;
    }
  }
  return rgbToI420(rgb, width, height);
}

function rgbToI420(rgb: Float32Array, width: number, height: number): I420Frame {
  const frame = new I420Frame(width, height);
  for (let i = 0, n = width * height; i < n; i++) frame.y[i] = rgbToYuv([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]]).y;
  for (let cy = 0; cy < frame.ch; cy++) {
    for (let cx = 0; cx < frame.cw; cx++) {
      const avg: [number, number, number] = [0, 0, 0];
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const o = ((cy * 2 + dy) * width + cx * 2 + dx) * 3;
        for (let k = 0; k < 3; k++) avg[k] += rgb[o + k] / 4;
      }
      const c = rgbToYuv(avg);
      frame.u[cy * frame.cw + cx] = c.u;
      frame.v[cy * frame.cw + cx] = c.v;
    }
  }
  return frame;
}
