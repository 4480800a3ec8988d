import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEGMENT_MP4_OPTIONS, type InitSegment, type MediaFragment } from '../live/fmp4.ts';
import type { LiveStreamSink } from '../live/live-hub.ts';
import { SegmentTail } from './segment-tail.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const skip = existsSync(FFMPEG) ? false : `${FFMPEG} not found`;

/** Four 2 s segments the way the ingest writes them (1 s GOP, 10 fps), as bytes. */
function segments(): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-tail-src-'));
  try {
    const made = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '8',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p',
      '-f', 'segment', '-segment_time', '2', '-segment_format', 'mp4', '-segment_format_options', SEGMENT_MP4_OPTIONS, join(dir, '%06d.mp4')]);
    assert.equal(made.status, 0, String(made.stderr));
    return readdirSync(dir).sort().map((n) => readFileSync(join(dir, n)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

class Sink implements LiveStreamSink {
  log: string[] = [];
  inits: InitSegment[] = [];
  fragments: MediaFragment[] = [];
  streamBegin() {
    this.log.push('begin');
  }
  streamInit(init: InitSegment) {
    this.inits.push(init);
  }
  streamFragment(fragment: MediaFragment) {
    this.fragments.push(fragment);
  }
  streamEnd(reason: string) {
    this.log.push(`end:${reason}`);
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function runDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(dir, { recursive: true });
  return dir;
}

const name = (i: number) => `${String(i).padStart(6, '0')}.mp4`;

describe('SegmentTail', { skip }, () => {
  const files = skip ? [] : segments();

  test('joins the segment being written at its last keyframe and follows it into the next files on one timeline', async (t) => {
    const dir = runDir(t);
    writeFileSync(join(dir, name(0)), files[0]);
    const half = Math.floor(files[1].length * 0.85); // most of segment 1 is written when the first viewer comes
    writeFileSync(join(dir, name(1)), files[1].subarray(0, half));
    const tail = new SegmentTail({ pollMs: 10 });
    tail.runStarted(dir);
    const sink = new Sink();
    tail.start(sink);
    t.after(() => tail.stop());
    await until(() => sink.fragments.length > 0, 'the first fragments');
    assert.deepEqual(sink.log, ['begin']);
    assert.ok(sink.fragments[0].keyframe, 'starts on a keyframe');
    assert.ok(sink.fragments[0].decodeTime! >= 0.9, `joined at ${sink.fragments[0].decodeTime} s into the segment: its last keyframe, not its start`);

    appendFileSync(join(dir, name(1)), files[1].subarray(half));
    writeFileSync(join(dir, name(2)), files[2]);
    writeFileSync(join(dir, name(3)), files[3].subarray(0, 200)); // ffmpeg has just opened it
    await until(() => sink.fragments.reduce((s, f) => s + f.duration, 0) > 2.9, 'the rest of segment 1 and segment 2');
    assert.equal(sink.inits.length, 2, 'the init of each file read is handed on (the hub drops a repeated one)');
    assert.ok(sink.inits.every((i) => i.data.equals(sink.inits[0].data)));
    for (let i = 1; i < sink.fragments.length; i++) {
      const [a, b] = [sink.fragments[i - 1], sink.fragments[i]];
      assert.ok(Math.abs(a.decodeTime! + a.duration - b.decodeTime!) < 1e-3, `fragment ${i} continues the timeline (${a.decodeTime! + a.duration} → ${b.decodeTime})`);
    }
    assert.deepEqual(sink.log, ['begin'], 'one stream throughout');
  });

  test('a tail that fell behind by a whole segment joins again as a new stream; a run ending is told', async (t) => {
    const dir = runDir(t);
    writeFileSync(join(dir, name(0)), files[0]);
    const logs: string[] = [];
    const tail = new SegmentTail({ pollMs: 10, log: (m) => logs.push(m) });
    tail.runStarted(dir);
    const sink = new Sink();
    tail.start(sink);
    t.after(() => tail.stop());
    await until(() => sink.fragments.length > 0, 'the first fragments');
    // Segment 1 was written and already filed away (moved out of the run folder) before it was read.
    writeFileSync(join(dir, name(2)), files[2]);
    await until(() => sink.log.length === 2, 'a new stream');
    assert.deepEqual(sink.log, ['begin', 'begin']);
    assert.match(logs[0], /segment 000001\.mp4 was gone before it was read; joining the stream again/);
    tail.runEnded('camera stream restarting');
    assert.deepEqual(sink.log.at(-1), 'end:camera stream restarting');
  });
});
