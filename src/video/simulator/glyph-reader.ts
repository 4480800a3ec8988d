// Reads text drawn in the built-in font back out of a luma plane, given where it was drawn: how the
// tests prove that plates and the overlay clock are legible where the truth says they are, before and
// after H.264. It knows the font and the layout, so it is a checker, not an ANPR engine.
import { fontCharacters, glyph, GLYPH_COLS, GLYPH_ROWS_COUNT, inked } from './font.ts';

export interface GlyphRun {
  /** Top-left of the first character's cell grid, pixels. */
  x: number;
  y: number;
  cellW: number;
  cellH: number;
  /** From one character's left edge to the next one's. */
  advance: number;
  count: number;
  /** Dark characters on a light ground (plates) or the reverse (overlay). */
  darkInk: boolean;
}

const CANDIDATES = fontCharacters().filter((c) => c !== '?');

export function readGlyphs(luma: Uint8Array, width: number, run: GlyphRun): string {
  let text = '';
  for (let i = 0; i < run.count; i++) {
    const levels: number[] = [];
    for (let r = 0; r < GLYPH_ROWS_COUNT; r++) {
      for (let c = 0; c < GLYPH_COLS; c++) {
        const x0 = run.x + i * run.advance + c * run.cellW;
        const y0 = run.y + r * run.cellH;
        levels.push(mean(luma, width, x0 + run.cellW * 0.25, y0 + run.cellH * 0.25, x0 + run.cellW * 0.75, y0 + run.cellH * 0.75));
      }
    }
    const lit = levels.map((v) => (run.darkInk ? v < 128 : v >= 128));
    let best = ' ';
    let bestScore = Infinity;
    for (const ch of CANDIDATES) {
      const g = glyph(ch);
      let score = 0;
      for (let k = 0; k < lit.length; k++) if (inked(g, k % GLYPH_COLS, Math.floor(k / GLYPH_COLS)) !== lit[k]) score++;
      if (score < bestScore) {
        bestScore = score;
        best = ch;
      }
    }
    text += best;
  }
  return text;
}

function mean(luma: Uint8Array, width: number, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.floor(y0); y < Math.max(Math.floor(y0) + 1, Math.ceil(y1)); y++) {
    for (let x = Math.floor(x0); x < Math.max(Math.floor(x0) + 1, Math.ceil(x1)); x++) {
      sum += luma[y * width + x];
      n++;
    }
  }
  return sum / n;
}
