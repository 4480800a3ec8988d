// Draws one camera's frames: the painted background, then every vehicle and walker from far to near,
// then the burnt-in overlay (camera name, SIMULATED, wall-clock time, and the block-coded timestamp).
import { paintBackground } from './background.ts';
import { I420Frame, rgbToYuv, type Box } from './frame.ts';
import { projectX, projectY, sceneGeometry, type Direction, type Geometry } from './geometry.ts';
import { personParts, type VehicleKind } from './actors.ts';
import { clipBox, draw, insideFrame, primitiveBox, project, type Projected } from './sprites.ts';
import { drawTimestampCode, MIN_TIMESTAMP_WIDTH, timestampBlockSize } from './timestamp-code.ts';
import { Traffic, type TrafficOptions } from './traffic.ts';

export interface RendererOptions extends TrafficOptions {
  width: number;
  height: number;
  /** Shown in the overlay; upper-cased by the font. */
  cameraName: string;
  /** Offset of the overlay clock from UTC in minutes: Pakistan Standard Time (+300) unless told. */
  utcOffsetMinutes?: number;
}

export interface VehicleInFrame {
  id: string;
  kind: VehicleKind;
  plate: string | null;
  lane: number;
  direction: Direction;
  /** Pixels, clipped to the frame. */
  box: Box;
  /** The plate's outline while the whole plate is in the frame and nothing nearer covers it, else null. */
  plateBox: Box | null;
  plateCharPx: number | null;
  /** The plate is in the frame but something nearer is in front of (part of) it. */
  plateOccluded: boolean;
}

export interface PersonInFrame {
  id: string;
  box: Box;
}

export interface FrameInfo {
  /** Wall-clock time the frame shows (Unix ms), burnt into it as text and as the block code. */
  atMs: number;
  vehicles: VehicleInFrame[];
  people: PersonInFrame[];
}

/** Where the overlay sits, so tests and benchmarks can find it. */
export interface OverlayLayout {
  /** Side of one timestamp block; the code occupies rows [0, codeHeight). */
  codeHeight: number;
  /** Pixel size of one font cell in overlay text (5×7 cells a character). */
  scale: number;
  /** The black box with the camera name (first line) and the clock (second line). */
  infoBox: Box;
  nameAt: { x: number; y: number };
  clockAt: { x: number; y: number };
  /** The red SIMULATED badge, top right. */
  badgeBox: Box;
}

const CLOCK_CHARS = 'YYYY-MM-DD HH:MM:SS.mmm PKT'.length;
const NAME_CHARS = 30;

export function overlayLayout(width: number, height: number): OverlayLayout {
  const codeHeight = timestampBlockSize(width);
  const scale = Math.max(2, Math.round(height / 180));
  const pad = scale * 2;
  const line = scale * 9;
  const x0 = pad;
  const y0 = codeHeight + pad;
  const infoBox = { x0, y0, x1: x0 + pad * 2 + CLOCK_CHARS * 6 * scale, y1: y0 + pad * 2 + line * 2 - scale * 2 };
  const badgeW = pad * 2 + 9 * 6 * scale;
  return {
    codeHeight,
    scale,
    infoBox,
    nameAt: { x: x0 + pad, y: y0 + pad },
    clockAt: { x: x0 + pad, y: y0 + pad + line },
    badgeBox: { x0: width - pad - badgeW, y0, x1: width - pad, y1: y0 + pad * 2 + 7 * scale },
  };
}

export function formatOverlayClock(epochMs: number, utcOffsetMinutes: number): string {
  const local = new Date(epochMs + utcOffsetMinutes * 60_000).toISOString();
  const zone =
    utcOffsetMinutes === 300
      ? 'PKT'
      : `${utcOffsetMinutes < 0 ? '-' : '+'}${String(Math.floor(Math.abs(utcOffsetMinutes) / 60)).padStart(2, '0')}${String(Math.abs(utcOffsetMinutes) % 60).padStart(2, '0')}`;
  return `${local.slice(0, 10)} ${local.slice(11, 23)} ${zone}`;
}

const BLACK = rgbToYuv([0, 0, 0]);
const WHITE = rgbToYuv([255, 255, 255]);
const RED = rgbToYuv([200, 16, 24]);

/** The part of every frame that never changes: the street and the fixed parts of the overlay. */
export function paintBackdrop(options: RendererOptions): I420Frame {
  const { width, height } = options;
  if (width < MIN_TIMESTAMP_WIDTH || height < 120) throw new Error(`frame size ${width}x${height} is too small (at least ${MIN_TIMESTAMP_WIDTH}x120)`);
  const frame = paintBackground(sceneGeometry(width, height), options.seed);
  const { infoBox, badgeBox, nameAt, scale } = overlayLayout(width, height);
  frame.fillRect(infoBox.x0, infoBox.y0, infoBox.x1, infoBox.y1, BLACK);
  frame.drawBlockText(options.cameraName.slice(0, NAME_CHARS), nameAt.x, nameAt.y, scale, WHITE);
  frame.fillRect(badgeBox.x0, badgeBox.y0, badgeBox.x1, badgeBox.y1, RED);
  frame.drawBlockText('SIMULATED', badgeBox.x0 + scale * 2, badgeBox.y0 + scale * 2, scale, WHITE);
  return frame;
}

/** Whether any part of a nearer object covers any of the box. */
function covers(nearer: Projected, b: Box): boolean {
  if (!nearer.box || !overlaps(nearer.box, b)) return false;
  return nearer.prims.some((p) => overlaps(primitiveBox(p), b) && (p.t !== 'poly' || polygonMeetsBox(p.pts, b)));
}

/** Separating-axis test of a convex polygon against a box whose bounding boxes already overlap. */
function polygonMeetsBox(pts: number[], b: Box): boolean {
  const n = pts.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const nx = pts[2 * i + 1] - pts[2 * j + 1];
    const ny = pts[2 * j] - pts[2 * i];
    let polyMin = Infinity;
    let polyMax = -Infinity;
    for (let k = 0; k < n; k++) {
      const d = pts[2 * k] * nx + pts[2 * k + 1] * ny;
      polyMin = Math.min(polyMin, d);
      polyMax = Math.max(polyMax, d);
    }
    const corners = [b.x0 * nx + b.y0 * ny, b.x1 * nx + b.y0 * ny, b.x0 * nx + b.y1 * ny, b.x1 * nx + b.y1 * ny];
    if (Math.max(...corners) <= polyMin || Math.min(...corners) >= polyMax) return false;
  }
  return true;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

export class SceneRenderer {
  readonly geometry: Geometry;
  readonly traffic: Traffic;
  readonly layout: OverlayLayout;
  private readonly background: I420Frame;
  private readonly utcOffsetMinutes: number;

  /**
   * `originMs` is the wall-clock time of scene time 0 (the camera's start). `backdrop`, from
   * paintBackdrop with the same options, saves painting the static scene again (about a second).
   */
  constructor(
    readonly options: RendererOptions,
    readonly originMs: number,
    backdrop?: I420Frame,
  ) {
    this.geometry = sceneGeometry(options.width, options.height);
    this.traffic = new Traffic(this.geometry, options);
    this.layout = overlayLayout(options.width, options.height);
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 300;
    if (backdrop && (backdrop.width !== options.width || backdrop.height !== options.height)) {
      throw new Error(`backdrop is ${backdrop.width}x${backdrop.height}, frames are ${options.width}x${options.height}`);
    }
    this.background = backdrop ?? paintBackdrop(options);
  }

  /** Renders the scene as it is at wall-clock `atMs` into `into` (a new frame if not given). */
  render(atMs: number, into = new I420Frame(this.options.width, this.options.height)): { frame: I420Frame; info: FrameInfo } {
    const g = this.geometry;
    const t = atMs - this.originMs;
    into.data.set(this.background.data);
    const info: FrameInfo = { atMs, vehicles: [], people: [] };
    const items: { z: number; projected: Projected; seen: VehicleInFrame | null }[] = [];
    for (const { vehicle: v, z } of this.traffic.vehiclesAt(t)) {
      const projected = project(g, v.model.parts, v.x, z);
      const box = clipBox(projected.box, g.width, g.height);
      if (!box) continue;
      // Shadows lie on the road, and the road is behind every vehicle: all of them go down first.
      this.shadow(into, v.x, z, v.model.width, v.model.length);
      const whole = projected.plate && insideFrame(projected.plate.box, g.width, g.height) ? projected.plate : null;
      const seen: VehicleInFrame = {
        id: v.id,
        kind: v.kind,
        plate: v.plate,
        lane: v.lane.index,
        direction: v.direction,
        box,
        plateBox: whole?.box ?? null,
        plateCharPx: whole?.charPx ?? null,
        plateOccluded: false,
      };
      info.vehicles.push(seen);
      items.push({ z, projected, seen });
    }
    for (const { person, z, phase } of this.traffic.peopleAt(t)) {
      const projected = project(g, personParts(person.look, person.direction, phase), person.x, z);
      const box = clipBox(projected.box, g.width, g.height);
      if (!box) continue;
      info.people.push({ id: person.id, box });
      items.push({ z, projected, seen: null });
    }
    items.sort((a, b) => b.z - a.z);
    for (const [i, item] of items.entries()) {
      draw(into, item.projected.prims);
      const seen = item.seen;
      if (seen?.plateBox && items.slice(i + 1).some((nearer) => covers(nearer.projected, seen.plateBox!))) {
        seen.plateOccluded = true;
        seen.plateBox = null;
        seen.plateCharPx = null;
      }
    }
    this.drawClock(into, atMs);
    drawTimestampCode(into, Math.round(atMs));
    return { frame: into, info };
  }

  /** The vehicle's footprint, a little enlarged, darkened on the road. */
  private shadow(frame: I420Frame, x: number, z: number, width: number, length: number): void {
    const g = this.geometry;
    const half = width * 0.54;
    const near = Math.max(z - 0.15, 0.3);
    const far = z + length + 0.2;
    frame.shadePolygon(
      [projectX(g, x - half, near), projectY(g, 0, near), projectX(g, x - half, far), projectY(g, 0, far), projectX(g, x + half, far), projectY(g, 0, far), projectX(g, x + half, near), projectY(g, 0, near)],
      0.6,
    );
  }

  private drawClock(frame: I420Frame, atMs: number): void {
    const { clockAt, scale } = this.layout;
    frame.drawBlockText(formatOverlayClock(atMs, this.utcOffsetMinutes), clockAt.x, clockAt.y, scale, WHITE);
  }
}
