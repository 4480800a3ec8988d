// The wall clock burnt into video frames as a row of black/white cells, so that whoever displays a
// frame can tell how old it is: glass-to-glass latency without OCR. No Node or DOM imports: the
// browser page of the latency benchmark bundles this file too.
//
// Layout (top-left corner of the frame): `BITS` cells of `CELL`×`CELL` pixels, bit i of
// (epoch ms mod 2^32) at x = i·CELL, white for 1; a second row below holds the inverse, so a frame
// whose cells don't all disagree between the rows (scaled, cropped, damaged) reads as no stamp.

export const CLOCK_STAMP_BITS = 32;
export const CLOCK_STAMP_CELL = 16;
export const CLOCK_STAMP_WIDTH = CLOCK_STAMP_BITS * CLOCK_STAMP_CELL;
export const CLOCK_STAMP_HEIGHT = 2 * CLOCK_STAMP_CELL;
const MODULUS = 2 ** CLOCK_STAMP_BITS;

/**
 * ffmpeg filters that stamp each frame with the wall clock at the moment the filter sees it
 * (`RTCTIME`), then give frames back regular timestamps at the input's frame rate (x264 turns
 * every frame into a keyframe when fed microsecond wall-clock timestamps).
 */
export function clockStampFilter(): string {
  const ms = `mod(floor(t*1000+0.5),${MODULUS})`;
  const cells: string[] = [`drawbox=x=0:y=0:w=${CLOCK_STAMP_WIDTH}:h=${CLOCK_STAMP_HEIGHT}:color=black:t=fill`];
  for (let i = 0; i < CLOCK_STAMP_BITS; i++) {
    const bit = `mod(floor(${ms}/${2 ** i}),2)`;
    const x = i * CLOCK_STAMP_CELL;
    cells.push(`drawbox=x=${x}:y=0:w=${CLOCK_STAMP_CELL}:h=${CLOCK_STAMP_CELL}:color=white:t=fill:enable='eq(${bit},1)'`);
    cells.push(`drawbox=x=${x}:y=${CLOCK_STAMP_CELL}:w=${CLOCK_STAMP_CELL}:h=${CLOCK_STAMP_CELL}:color=white:t=fill:enable='eq(${bit},0)'`);
  }
  return ['settb=AVTB', 'setpts=RTCTIME', ...cells, 'settb=1/90000', 'setpts=N/(FR*TB)'].join(',');
}

/** Mean brightness of the middle half of one cell; `rgba` is a frame region `stride` pixels wide. */
function cellLevel(rgba: ArrayLike<number>, stride: number, col: number, row: number): number {
  const c = CLOCK_STAMP_CELL;
  let sum = 0;
  let n = 0;
  for (let y = row * c + c / 4; y < row * c + (3 * c) / 4; y++) {
    for (let x = col * c + c / 4; x < col * c + (3 * c) / 4; x++) {
      const p = (y * stride + x) * 4;
      sum += rgba[p] + rgba[p + 1] + rgba[p + 2];
      n += 3;
    }
  }
  return sum / n;
}

/**
 * The stamp (epoch ms mod 2^32) in RGBA pixels whose top-left is the frame's, at least
 * CLOCK_STAMP_WIDTH × CLOCK_STAMP_HEIGHT; undefined when the cells don't read as a stamp.
 */
export function readClockStamp(rgba: ArrayLike<number>, stride: number): number | undefined {
  if (stride < CLOCK_STAMP_WIDTH || rgba.length < stride * CLOCK_STAMP_HEIGHT * 4) return undefined;
  let value = 0;
  for (let i = 0; i < CLOCK_STAMP_BITS; i++) {
    const top = cellLevel(rgba, stride, i, 0) > 128;
    const bottom = cellLevel(rgba, stride, i, 1) > 128;
    if (top === bottom) return undefined;
    if (top) value += 2 ** i;
  }
  return value;
}

/** How old a stamp is at `nowMs` (epoch ms), across the 2^32 ms (~49 days) wrap. */
export function clockStampAgeMs(stamp: number, nowMs: number): number {
  const age = (((nowMs % MODULUS) - stamp) % MODULUS + MODULUS) % MODULUS;
  return age > MODULUS / 2 ? age - MODULUS : age;
}
