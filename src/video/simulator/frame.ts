// Raw I420 (YUV 4:2:0 planar) frames and the few drawing primitives the simulator needs. Drawing goes
// straight into the planes so nothing converts colour per frame; ffmpeg takes the bytes as they are.
import { GLYPH_COLS, GLYPH_ROWS_COUNT, glyph, inked } from './font.ts';

/** A colour already converted to limited-range BT.601 YUV, the way x264 will code it. */
export interface Yuv {
  y: number;
  u: number;
  v: number;
}

export type Rgb = readonly [number, number, number];

export function rgbToYuv([r, g, b]: Rgb): Yuv {
  return {
    y: clamp8(16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256),
    u: clamp8(128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256),
    v: clamp8(128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256),
  };
}

/** Multiplies an RGB colour's brightness, for the lit and shaded faces of a shape. */
export function shade([r, g, b]: Rgb, factor: number): Rgb {
  return [Math.min(255, r * factor), Math.min(255, g * factor), Math.min(255, b * factor)];
}

function clamp8(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : Math.round(x);
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export class I420Frame {
  readonly data: Uint8Array;
  readonly y: Uint8Array;
  readonly u: Uint8Array;
  readonly v: Uint8Array;
  readonly cw: number;
  readonly ch: number;

  constructor(
    readonly width: number,
    readonly height: number,
    data?: Uint8Array,
  ) {
    if (width % 2 || height % 2) throw new Error(`frame size ${width}x${height} must be even`);
    const lumaSize = width * height;
    this.cw = width / 2;
    this.ch = height / 2;
    const size = lumaSize + 2 * this.cw * this.ch;
    if (data && data.length !== size) throw new Error(`I420 ${width}x${height} needs ${size} bytes, got ${data.length}`);
    this.data = data ?? new Uint8Array(size);
    this.y = this.data.subarray(0, lumaSize);
    this.u = this.data.subarray(lumaSize, lumaSize + this.cw * this.ch);
    this.v = this.data.subarray(lumaSize + this.cw * this.ch);
  }

  /** Fills [x0, x1) × [y0, y1), rounded to whole pixels and clipped to the frame. */
  fillRect(x0: number, y0: number, x1: number, y1: number, c: Yuv): void {
    const ax = Math.max(0, Math.round(x0));
    const bx = Math.min(this.width, Math.round(x1));
    const ay = Math.max(0, Math.round(y0));
    const by = Math.min(this.height, Math.round(y1));
    if (ax >= bx || ay >= by) return;
    for (let row = ay; row < by; row++) this.y.fill(c.y, row * this.width + ax, row * this.width + bx);
    this.fillChroma(ax, bx, ay, by, c);
  }

  /** A rectangle whose colour runs from `top` to `bottom`: the cheap way to make a flat shape look lit. */
  fillRectGradient(x0: number, y0: number, x1: number, y1: number, top: Yuv, bottom: Yuv): void {
    const ax = Math.max(0, Math.round(x0));
    const bx = Math.min(this.width, Math.round(x1));
    const ay = Math.max(0, Math.round(y0));
    const by = Math.min(this.height, Math.round(y1));
    if (ax >= bx || ay >= by) return;
    const span = Math.max(1, y1 - y0);
    for (let row = ay; row < by; row++) {
      const f = (row + 0.5 - y0) / span;
      this.y.fill(Math.round(top.y + (bottom.y - top.y) * f), row * this.width + ax, row * this.width + bx);
    }
    const mid: Yuv = { y: 0, u: (top.u + bottom.u) >> 1, v: (top.v + bottom.v) >> 1 };
    this.fillChroma(ax, bx, ay, by, mid);
  }

  /** Fills a convex polygon given as [x0, y0, x1, y1, …] (pixel-centre sampling, clipped). */
  fillPolygon(pts: ArrayLike<number>, c: Yuv): void {
    this.scanPolygon(pts, (row, l, r) => {
      this.y.fill(c.y, row * this.width + l, row * this.width + r);
      const crow = row >> 1;
      this.u.fill(c.u, crow * this.cw + (l >> 1), crow * this.cw + ((r + 1) >> 1));
      this.v.fill(c.v, crow * this.cw + (l >> 1), crow * this.cw + ((r + 1) >> 1));
    });
  }

  /** Darkens the luma inside a convex polygon (a shadow on the road), keeping the ground's colour. */
  shadePolygon(pts: ArrayLike<number>, factor: number): void {
    const k = Math.round(factor * 256);
    this.scanPolygon(pts, (row, l, r) => {
      for (let i = row * this.width + l, end = row * this.width + r; i < end; i++) this.y[i] = 16 + (((this.y[i] - 16) * k) >> 8);
    });
  }

  private scanPolygon(pts: ArrayLike<number>, span: (row: number, l: number, r: number) => void): void {
    const n = pts.length >> 1;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minY = Math.min(minY, pts[2 * i + 1]);
      maxY = Math.max(maxY, pts[2 * i + 1]);
    }
    const ay = Math.max(0, Math.round(minY));
    const by = Math.min(this.height, Math.round(maxY));
    for (let row = ay; row < by; row++) {
      const yc = row + 0.5;
      let l = Infinity;
      let r = -Infinity;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const y0 = pts[2 * j + 1];
        const y1 = pts[2 * i + 1];
        if ((yc < y0 && yc < y1) || (yc > y0 && yc > y1) || y0 === y1) continue;
        const x = pts[2 * j] + ((yc - y0) * (pts[2 * i] - pts[2 * j])) / (y1 - y0);
        if (x < l) l = x;
        if (x > r) r = x;
      }
      const li = Math.max(0, Math.round(l));
      const ri = Math.min(this.width, Math.round(r));
      if (li < ri) span(row, li, ri);
    }
  }

  fillEllipse(cx: number, cy: number, rx: number, ry: number, c: Yuv): void {
    if (rx <= 0 || ry <= 0) return;
    const ay = Math.max(0, Math.round(cy - ry));
    const by = Math.min(this.height, Math.round(cy + ry));
    for (let row = ay; row < by; row++) {
      const dy = (row + 0.5 - cy) / ry;
      const half = rx * Math.sqrt(Math.max(0, 1 - dy * dy));
      const l = Math.max(0, Math.round(cx - half));
      const r = Math.min(this.width, Math.round(cx + half));
      if (l >= r) continue;
      this.y.fill(c.y, row * this.width + l, row * this.width + r);
      if ((row & 1) === 0 || row === ay) {
        const crow = row >> 1;
        this.u.fill(c.u, crow * this.cw + (l >> 1), crow * this.cw + ((r + 1) >> 1));
        this.v.fill(c.v, crow * this.cw + (l >> 1), crow * this.cw + ((r + 1) >> 1));
      }
    }
  }

  /**
   * Draws text in the built-in font at any size, anti-aliased by the share of each pixel the glyph
   * cells cover, so plates stay legible when small and survive scaling. Luma only: callers draw text
   * on a neutral (white or black) ground. `charHeight` is the cap height; returns the advance used.
   */
  drawText(text: string, x: number, y: number, charHeight: number, ink: number, paper: number, aspect = 1): number {
    const cell = charHeight / GLYPH_ROWS_COUNT;
    const advance = textAdvance(charHeight, aspect);
    const ovX = new Float64Array(GLYPH_COLS);
    const ovY = new Float64Array(GLYPH_ROWS_COUNT);
    let penX = x;
    for (const ch of text) {
      if (ch !== ' ') this.drawGlyph(glyph(ch), penX, y, cell * aspect, cell, ink, paper, ovX, ovY);
      penX += advance;
    }
    return penX - x;
  }

  private drawGlyph(g: Uint8Array, gx: number, gy: number, cellW: number, cellH: number, ink: number, paper: number, ovX: Float64Array, ovY: Float64Array): void {
    const px0 = Math.max(0, Math.floor(gx));
    const px1 = Math.min(this.width, Math.ceil(gx + cellW * GLYPH_COLS));
    const py0 = Math.max(0, Math.floor(gy));
    const py1 = Math.min(this.height, Math.ceil(gy + cellH * GLYPH_ROWS_COUNT));
    for (let py = py0; py < py1; py++) {
      for (let r = 0; r < GLYPH_ROWS_COUNT; r++) ovY[r] = overlap(py, py + 1, gy + r * cellH, gy + (r + 1) * cellH);
      for (let px = px0; px < px1; px++) {
        for (let c = 0; c < GLYPH_COLS; c++) ovX[c] = overlap(px, px + 1, gx + c * cellW, gx + (c + 1) * cellW);
        let cover = 0;
        for (let r = 0; r < GLYPH_ROWS_COUNT; r++) {
          if (ovY[r] === 0) continue;
          for (let c = 0; c < GLYPH_COLS; c++) if (ovX[c] > 0 && inked(g, c, r)) cover += ovX[c] * ovY[r];
        }
        if (cover > 0) this.y[py * this.width + px] = Math.round(paper + (ink - paper) * Math.min(1, cover));
      }
    }
  }

  /** Text at a whole-number scale with solid pixels in all three planes: the burnt-in overlay. */
  drawBlockText(text: string, x: number, y: number, scale: number, c: Yuv): void {
    let penX = x;
    for (const ch of text) {
      const g = glyph(ch);
      for (let r = 0; r < GLYPH_ROWS_COUNT; r++) {
        for (let col = 0; col < GLYPH_COLS; col++) {
          if (inked(g, col, r)) this.fillRect(penX + col * scale, y + r * scale, penX + (col + 1) * scale, y + (r + 1) * scale, c);
        }
      }
      penX += (GLYPH_COLS + 1) * scale;
    }
  }

  /** Converts to packed RGB24 (BT.601 limited range), for tests and for callers that want RGB. */
  toRgb24(): Uint8Array {
    const out = new Uint8Array(this.width * this.height * 3);
    for (let row = 0; row < this.height; row++) {
      for (let col = 0; col < this.width; col++) {
        const yy = 1.164 * (this.y[row * this.width + col] - 16);
        const ci = (row >> 1) * this.cw + (col >> 1);
        const u = this.u[ci] - 128;
        const v = this.v[ci] - 128;
        const o = (row * this.width + col) * 3;
        out[o] = clamp8(yy + 1.596 * v);
        out[o + 1] = clamp8(yy - 0.392 * u - 0.813 * v);
        out[o + 2] = clamp8(yy + 2.017 * u);
      }
    }
    return out;
  }

  private fillChroma(ax: number, bx: number, ay: number, by: number, c: Yuv): void {
    const cx0 = ax >> 1;
    const cx1 = (bx + 1) >> 1;
    for (let crow = ay >> 1, end = (by + 1) >> 1; crow < end; crow++) {
      this.u.fill(c.u, crow * this.cw + cx0, crow * this.cw + cx1);
      this.v.fill(c.v, crow * this.cw + cx0, crow * this.cw + cx1);
    }
  }
}

/**
 * Horizontal distance from one character's left edge to the next one's, for a cap height and a cell
 * aspect (cell width / cell height; below 1 condenses the font the way plate lettering is).
 */
export function textAdvance(charHeight: number, aspect = 1): number {
  return (charHeight / GLYPH_ROWS_COUNT) * (GLYPH_COLS * aspect + 1.2);
}

/** Width of `text` drawn by `drawText` (no trailing gap). */
export function textWidth(text: string, charHeight: number, aspect = 1): number {
  if (!text.length) return 0;
  return textAdvance(charHeight, aspect) * (text.length - 1) + (charHeight / GLYPH_ROWS_COUNT) * GLYPH_COLS * aspect;
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  const d = Math.min(a1, b1) - Math.max(a0, b0);
  return d > 0 ? d : 0;
}
