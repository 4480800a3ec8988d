// Projects an actor's parts (actors.ts) onto the screen and draws them. The same projection gives the
// bounding boxes the ground truth reports, so what the truth says is exactly what the frame shows.
import { PLATE, type Part } from './actors.ts';
import { GLYPH_ROWS_COUNT } from './font.ts';
import { textAdvance, textWidth, type Box, type I420Frame, type Yuv } from './frame.ts';
import { projectX, projectY, scaleAt, type Geometry } from './geometry.ts';

export type Primitive =
  | { t: 'poly'; pts: number[]; c: Yuv }
  | { t: 'ellipse'; cx: number; cy: number; rx: number; ry: number; c: Yuv }
  | { t: 'plate'; box: Box; charPx: number; text: string };

export interface ProjectedPlate {
  text: string;
  /** Plate outline in pixels, not clipped. */
  box: Box;
  /** Character cap height in pixels. */
  charPx: number;
}

export interface Projected {
  prims: Primitive[];
  /** Union of all parts in pixels, not clipped; null when nothing is in front of the camera. */
  box: Box | null;
  plate: ProjectedPlate | null;
}

/** Parts closer than this to the camera's plane are not drawn. */
const MIN_DEPTH = 0.3;

export function plateSize(text: string): { width: number; height: number } {
  return {
    width: textWidth(text, PLATE.charHeight, PLATE.aspect) + 2 * PLATE.marginX,
    height: PLATE.charHeight + 2 * PLATE.marginY,
  };
}

/** Projects parts of an actor standing at lateral position `x` with its nearest face at depth `z`. */
export function project(g: Geometry, parts: readonly Part[], x: number, z: number): Projected {
  const prims: Primitive[] = [];
  const box: Box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  let plate: ProjectedPlate | null = null;
  for (const p of parts) {
    if (p.t === 'poly') {
      if (p.cull && p.cull * (x + p.pts[0].x) >= 0) continue;
      const pts: number[] = [];
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (const q of p.pts) {
        const zq = z + q.d;
        if (zq < MIN_DEPTH) break;
        const px = projectX(g, x + q.x, zq);
        const py = projectY(g, q.h, zq);
        pts.push(px, py);
        minX = Math.min(minX, px);
        maxX = Math.max(maxX, px);
        minY = Math.min(minY, py);
        maxY = Math.max(maxY, py);
      }
      if (pts.length !== 2 * p.pts.length || maxY - minY < 0.05) continue;
      prims.push({ t: 'poly', pts, c: p.c });
      grow(box, minX, minY, maxX, maxY);
    } else if (p.t === 'ellipse') {
      const zp = z + p.d;
      if (zp < MIN_DEPTH) continue;
      const s = scaleAt(g, zp) * g.ppm;
      const prim: Primitive = { t: 'ellipse', cx: projectX(g, x + p.x, zp), cy: projectY(g, p.h, zp), rx: p.rx * s, ry: p.ry * s, c: p.c };
      prims.push(prim);
      grow(box, prim.cx - prim.rx, prim.cy - prim.ry, prim.cx + prim.rx, prim.cy + prim.ry);
    } else {
      const zp = z + p.d;
      if (zp < MIN_DEPTH) continue;
      const size = plateSize(p.text);
      const plateBox: Box = {
        x0: projectX(g, x + p.x - size.width / 2, zp),
        x1: projectX(g, x + p.x + size.width / 2, zp),
        y0: projectY(g, p.h + size.height, zp),
        y1: projectY(g, p.h, zp),
      };
      plate = { text: p.text, box: plateBox, charPx: PLATE.charHeight * g.ppm * scaleAt(g, zp) };
      prims.push({ t: 'plate', box: plateBox, charPx: plate.charPx, text: p.text });
      grow(box, plateBox.x0, plateBox.y0, plateBox.x1, plateBox.y1);
    }
  }
  return { prims, box: prims.length ? box : null, plate };
}

function grow(box: Box, x0: number, y0: number, x1: number, y1: number): void {
  box.x0 = Math.min(box.x0, x0);
  box.y0 = Math.min(box.y0, y0);
  box.x1 = Math.max(box.x1, x1);
  box.y1 = Math.max(box.y1, y1);
}

const PLATE_WHITE: Yuv = { y: 235, u: 128, v: 128 };
const PLATE_EDGE: Yuv = { y: 40, u: 128, v: 128 };

export function draw(frame: I420Frame, prims: readonly Primitive[]): void {
  for (const p of prims) {
    if (p.t === 'poly') frame.fillPolygon(p.pts, p.c);
    else if (p.t === 'ellipse') frame.fillEllipse(p.cx, p.cy, p.rx, p.ry, p.c);
    else drawPlate(frame, p.box, p.charPx, p.text);
  }
}

/** Where a plate's lettering starts inside its outline, and how it is spaced (pixels). */
export function plateLettering(b: Box, charPx: number): { x: number; y: number; cellW: number; cellH: number; advance: number } {
  const unit = charPx / PLATE.charHeight;
  const cellH = charPx / GLYPH_ROWS_COUNT;
  return { x: b.x0 + PLATE.marginX * unit, y: b.y0 + PLATE.marginY * unit, cellW: cellH * PLATE.aspect, cellH, advance: textAdvance(charPx, PLATE.aspect) };
}

function drawPlate(frame: I420Frame, b: Box, charPx: number, text: string): void {
  frame.fillRect(b.x0, b.y0, b.x1, b.y1, PLATE_WHITE);
  const unit = charPx / PLATE.charHeight;
  const at = plateLettering(b, charPx);
  if (b.y1 - b.y0 >= 10) {
    const e = Math.max(1, Math.round(unit * 0.012));
    frame.fillRect(b.x0, b.y0, b.x1, b.y0 + e, PLATE_EDGE);
    frame.fillRect(b.x0, b.y1 - e, b.x1, b.y1, PLATE_EDGE);
    frame.fillRect(b.x0, b.y0, b.x0 + e, b.y1, PLATE_EDGE);
    frame.fillRect(b.x1 - e, b.y0, b.x1, b.y1, PLATE_EDGE);
  }
  if (charPx >= 2) frame.drawText(text, at.x, at.y, charPx, 16, 235, PLATE.aspect);
}

/** A primitive's bounding box in pixels. */
export function primitiveBox(p: Primitive): Box {
  if (p.t === 'plate') return p.box;
  if (p.t === 'ellipse') return { x0: p.cx - p.rx, y0: p.cy - p.ry, x1: p.cx + p.rx, y1: p.cy + p.ry };
  const b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (let i = 0; i < p.pts.length; i += 2) grow(b, p.pts[i], p.pts[i + 1], p.pts[i], p.pts[i + 1]);
  return b;
}

/** A box clipped to the frame, or null when none of it is inside. */
export function clipBox(b: Box | null, width: number, height: number): Box | null {
  if (!b) return null;
  const c = { x0: Math.max(0, b.x0), y0: Math.max(0, b.y0), x1: Math.min(width, b.x1), y1: Math.min(height, b.y1) };
  return c.x1 - c.x0 >= 1 && c.y1 - c.y0 >= 1 ? c : null;
}

export function insideFrame(b: Box, width: number, height: number): boolean {
  return b.x0 >= 0 && b.y0 >= 0 && b.x1 <= width && b.y1 <= height;
}
