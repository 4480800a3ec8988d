import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Fmp4Error, Fmp4Parser, MAX_BOX_BYTES, shiftFragment, type Fmp4Item, type MediaFragment } from './fmp4.ts';
import { encodeTestPattern } from './test-pattern.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const FFPROBE = '/usr/bin/ffprobe';
const skip = existsSync(FFMPEG) ? false : `${FFMPEG} not found`;

const KEYFRAME_ONLY = ['-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_keyframe'];

function parseAll(data: Buffer, chunk = data.length): Fmp4Item[] {
  const parser = new Fmp4Parser();
  const items: Fmp4Item[] = [];
  for (let at = 0; at < data.length; at += chunk) items.push(...parser.push(data.subarray(at, at + chunk)));
  return items;
}

function fragments(items: Fmp4Item[]): MediaFragment[] {
  return items.flatMap((i) => (i.type === 'fragment' ? [i.fragment] : []));
}

function ffmpeg(args: string[]): Buffer {
  const run = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, run.stderr?.toString());
  return run.stdout;
}

/** Keyframe times of the file's video packets, as ffprobe reads them. */
function probeKeyframes(data: Buffer): number[] {
  const run = spawnSync(FFPROBE, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=dts_time,flags', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: data });
  return run.stdout.toString().trim().split('\n').map((l) => l.split(',')).filter(([, flags]) => flags.startsWith('K')).map(([t]) => Number(t));
}

describe('Fmp4Parser', { skip }, () => {
  const coarse = skip ? Buffer.alloc(0) : encodeTestPattern(FFMPEG, { seconds: 3, width: 320, height: 240, output: KEYFRAME_ONLY });
  const fine = skip ? Buffer.alloc(0) : encodeTestPattern(FFMPEG, { seconds: 3, width: 320, height: 240 });

  test('reads the init segment and its codec string from avcC', () => {
    const items = parseAll(coarse);
    assert.equal(items[0].type, 'init');
    const init = items[0].type === 'init' ? items[0].init : assert.fail();
    assert.equal(init.data.toString('latin1', 4, 8), 'ftyp');
    assert.equal(init.tracks.length, 1);
    assert.deepEqual({ ...init.tracks[0], codec: undefined }, { id: 1, handler: 'vide', timescale: init.tracks[0].timescale, codec: undefined, width: 320, height: 240 });
    assert.match(init.codecs[0], /^avc1\.[0-9a-f]{6}$/);
    assert.equal(init.mimeType, `video/mp4; codecs="${init.codecs[0]}"`);
    // The level byte agrees with what ffprobe reads from the stream itself.
    const probe = spawnSync(FFPROBE, ['-v', 'error', '-show_entries', 'stream=level', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: coarse });
    assert.equal(parseInt(init.codecs[0].slice(-2), 16), Number(probe.stdout.toString().trim()));
  });

  test('with frag_keyframe every fragment starts on a keyframe, one per GOP', () => {
    const frags = fragments(parseAll(coarse));
    assert.equal(frags.length, 3);
    assert.deepEqual(frags.map((f) => [f.sequence, f.keyframe, f.decodeTime]), [[1, true, 0], [2, true, 1], [3, true, 2]]);
    for (const f of frags) assert.ok(Math.abs(f.duration - 1) < 1e-9, `duration ${f.duration}`);
    assert.equal(frags[0].data.toString('latin1', 4, 8), 'moof');
  });

  test('with frag_duration the keyframe flag matches the stream, fragment by fragment', () => {
    const frags = fragments(parseAll(fine));
    assert.equal(frags.length, 15, '3 s in 200 ms fragments');
    const keyTimes = frags.filter((f) => f.keyframe).map((f) => f.decodeTime);
    assert.deepEqual(keyTimes, [0, 1, 2]);
    assert.deepEqual(probeKeyframes(fine), [0, 1, 2]);
    for (const f of frags) assert.ok(Math.abs(f.duration - 0.2) < 1e-9);
  });

  test('gives the same result however the bytes are chunked', () => {
    const whole = parseAll(fine);
    for (const chunk of [1, 7, 4096, 65536]) {
      const split = parseAll(fine, chunk);
      assert.equal(split.length, whole.length, `chunks of ${chunk}`);
      split.forEach((item, i) => {
        const w = whole[i];
        assert.equal(item.type, w.type);
        if (item.type === 'fragment' && w.type === 'fragment') {
          assert.ok(item.fragment.data.equals(w.fragment.data));
          assert.equal(item.fragment.keyframe, w.fragment.keyframe);
        }
      });
    }
  });

  test('the bytes it yields are the whole stream (no trailer is written)', () => {
    const items = parseAll(fine);
    const total = items.reduce((n, i) => n + (i.type === 'init' ? i.init.data.length : i.fragment.data.length), 0);
    assert.equal(total, fine.length);
  });

  test('a fragment shifted along the timeline has every decode time moved, and nothing else', () => {
    const items = parseAll(fine);
    const init = items.find((i) => i.type === 'init')!.init;
    const original = fragments(items)[3];
    const copy = { ...original, data: Buffer.from(original.data) };
    const moved = shiftFragment(copy, init, 12.5);
    assert.ok(Math.abs(moved.decodeTime! - (original.decodeTime! + 12.5)) < 1e-6);
    const reparsed = fragments(parseAll(Buffer.concat([init.data, moved.data])))[0];
    assert.ok(Math.abs(reparsed.decodeTime! - moved.decodeTime!) < 1e-6, 'the tfdt in the bytes says so');
    assert.equal(reparsed.keyframe, original.keyframe);
    assert.equal(moved.data.length, original.data.length);
    const differing = [...moved.data].filter((b, i) => b !== original.data[i]).length;
    assert.ok(differing > 0 && differing <= 8, `${differing} bytes changed: only the 64-bit tfdt`);
    assert.throws(() => shiftFragment({ ...original, data: Buffer.from(original.data) }, init, -1e6), /negative/);
  });

  test('a second stream on the same parser yields a new init', () => {
    const items = parseAll(Buffer.concat([coarse, fine]));
    assert.deepEqual(items.filter((i) => i.type === 'init').length, 2);
    assert.equal(fragments(items).length, 18);
  });

  test('video first in the codec list when the stream also has audio', () => {
    const data = ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2',
      '-map', '1:a', '-map', '0:v', '-c:a', 'aac', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p',
      ...KEYFRAME_ONLY, '-frag_duration', '300000', 'pipe:1',
    ]);
    const items = parseAll(data);
    const init = items[0].type === 'init' ? items[0].init : assert.fail();
    assert.deepEqual(init.tracks.map((t) => t.handler), ['soun', 'vide']);
    assert.equal(init.codecs[1], 'mp4a.40.2');
    assert.match(init.mimeType, /^video\/mp4; codecs="avc1\.[0-9a-f]{6},mp4a\.40\.2"$/);
    const keyTimes = fragments(items).filter((f) => f.keyframe).map((f) => f.decodeTime!);
    const probed = probeKeyframes(data);
    assert.equal(keyTimes.length, 2);
    assert.equal(probed.length, 2);
    keyTimes.forEach((t, i) => assert.ok(Math.abs(t - probed[i]) < 0.001, `keyframe at ${t}, ffprobe says ${probed[i]}`));
  });

  test('HEVC codec strings follow ISO/IEC 14496-15 annex E', (t) => {
    const encoders = spawnSync(FFMPEG, ['-hide_banner', '-encoders']).stdout.toString();
    if (!/libx265/.test(encoders)) return t.skip('ffmpeg has no libx265');
    for (const tag of ['hev1', 'hvc1']) {
      const data = ffmpeg([
        '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-frames:v', '2', '-pix_fmt', 'yuv420p',
        '-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', tag, ...KEYFRAME_ONLY, 'pipe:1',
      ]);
      const init = parseAll(data)[0];
      // Main profile (1), compatible with Main and Main 10 (flags 0x60000000 bit-reversed = 6),
      // Main tier level 2 (60), progressive-source + frame-only constraints (0x90).
      assert.equal(init.type === 'init' && init.init.codecs[0], `${tag}.1.6.L60.90`);
    }
  });

  test('bad input is an Fmp4Error, never a crash', () => {
    assert.throws(() => new Fmp4Parser().push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), Fmp4Error);
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(MAX_BOX_BYTES + 1, 0);
    huge.write('mdat', 4, 'latin1');
    assert.throws(() => new Fmp4Parser().push(huge), /over the .* limit/);
    const zero = Buffer.from('00000000667479700000', 'hex');
    assert.throws(() => new Fmp4Parser().push(zero), /size 0/);
    // A moov whose inner boxes are cut short.
    const init = parseAll(coarse)[0];
    const moovAt = init.type === 'init' ? init.init.data.readUInt32BE(0) : 0;
    const moov = Buffer.from(init.type === 'init' ? init.init.data.subarray(moovAt, moovAt + 120) : []);
    moov.writeUInt32BE(120, 0);
    assert.throws(() => new Fmp4Parser().push(moov), Fmp4Error);
  });

  test('media before any init is dropped, then the stream is picked up at its init', () => {
    const items = parseAll(coarse);
    const frag = fragments(items)[0];
    const later = parseAll(Buffer.concat([frag.data, coarse]));
    assert.equal(later[0].type, 'init');
    assert.equal(fragments(later).length, 3);
  });
});
