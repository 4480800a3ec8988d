// The render time of every frame, written as a row of black and white blocks along the top edge so a
// latency benchmark can read it back after H.264 (blocks survive compression far better than text).
//
// Layout, for a frame `width` pixels wide:
//   block size  b = 8 × max(1, ⌊width / 640⌋) pixels  (8 at 640, 16 at 1280, 24 at 1920)
//   row         y ∈ [0, b), block k at x ∈ [k·b, (k+1)·b), k = 0 … 57
//   blocks      2 sync blocks (white, black), then 48 bits of the Unix epoch in milliseconds, most
//               significant first, then CRC-8 (polynomial 0x07, initial 0) of those 6 bytes, big-endian
//   colours     white = 1 (luma 235), black = 0 (luma 16); the rest of the row is black
// A reader averages the middle half of each block, thresholds halfway between the two sync blocks and
// checks the CRC, so a frame without the code (or a damaged one) reads as null rather than a wrong time.
import type { I420Frame } from './frame.ts';

const SYNC = [1, 0];
const TIME_BITS = 48;
const CRC_BITS = 8;
export const TIMESTAMP_BLOCKS = SYNC.length + TIME_BITS + CRC_BITS;

export function timestampBlockSize(width: number): number {
  return 8 * Math.max(1, Math.floor(width / 640));
}

/** Smallest frame width that holds the code. */
export const MIN_TIMESTAMP_WIDTH = TIMESTAMP_BLOCKS * 8;

function crc8(bytes: number[]): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function timeBytes(epochMs: number): number[] {
  const bytes: number[] = [];
  let rest = Math.floor(epochMs);
  for (let i = 0; i < 6; i++) {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return bytes;
}

/** The 58 bits the row shows for a time. */
export function timestampBits(epochMs: number): number[] {
  if (!Number.isInteger(epochMs) || epochMs < 0 || epochMs >= 2 ** TIME_BITS) throw new Error(`cannot encode time ${epochMs}`);
  const bytes = timeBytes(epochMs);
  const bits = [...SYNC];
  for (const b of [...bytes, crc8(bytes)]) for (let i = 7; i >= 0; i--) bits.push((b >> i) & 1);
  return bits;
}

/** Draws the code for `epochMs` into the top edge of a frame. */
export function drawTimestampCode(frame: I420Frame, epochMs: number): void {
  const b = timestampBlockSize(frame.width);
  if (frame.width < TIMESTAMP_BLOCKS * b || frame.height < b * 4) throw new Error(`frame ${frame.width}x${frame.height} is too small for the timestamp code`);
  const black = { y: 16, u: 128, v: 128 };
  const white = { y: 235, u: 128, v: 128 };
  frame.fillRect(0, 0, frame.width, b, black);
  timestampBits(epochMs).forEach((bit, k) => {
    if (bit) frame.fillRect(k * b, 0, (k + 1) * b, b, white);
  });
}

/** Reads the code from a luma sampler; null when the sync blocks or the CRC do not check out. */
function decodeWith(width: number, height: number, luma: (x: number, y: number) => number): number | null {
  const b = timestampBlockSize(width);
  if (width < TIMESTAMP_BLOCKS * b || height < b) return null;
  const q = b / 4;
  const level = (k: number): number => {
    let sum = 0;
    let n = 0;
    for (let y = Math.floor(q); y < Math.ceil(3 * q); y++) {
      for (let x = Math.floor(k * b + q); x < Math.ceil(k * b + 3 * q); x++) {
        sum += luma(x, y);
        n++;
      }
    }
    return sum / n;
  };
  const high = level(0);
  const low = level(1);
  if (high - low < 64) return null;
  const threshold = (high + low) / 2;
  const bits: number[] = [];
  for (let k = SYNC.length; k < TIMESTAMP_BLOCKS; k++) bits.push(level(k) > threshold ? 1 : 0);
  const bytes: number[] = [];
  for (let i = 0; i < bits.length; i += 8) bytes.push(bits.slice(i, i + 8).reduce((acc, bit) => (acc << 1) | bit, 0));
  const time = bytes.slice(0, 6);
  if (crc8(time) !== bytes[6]) return null;
  return time.reduce((acc, byte) => acc * 256 + byte, 0);
}

/**
 * The render time (Unix epoch ms) burnt into a simulated camera's frame, from packed RGB24 pixels
 * (e.g. `ffmpeg -f rawvideo -pix_fmt rgb24`); null when the frame carries no readable code.
 */
export function decodeBurntTimestamp(rgb: Uint8Array, width: number, height: number): number | null {
  if (rgb.length < width * height * 3) throw new Error(`RGB24 ${width}x${height} needs ${width * height * 3} bytes, got ${rgb.length}`);
  return decodeWith(width, height, (x, y) => {
    const o = (y * width + x) * 3;
    return (77 * rgb[o] + 150 * rgb[o + 1] + 29 * rgb[o + 2]) >> 8;
  });
}

/** The same from an 8-bit luma plane (the Y of a YUV frame, or a gray image). */
export function decodeBurntTimestampLuma(luma: Uint8Array, width: number, height: number): number | null {
  return decodeWith(width, height, (x, y) => luma[y * width + x]);
}
