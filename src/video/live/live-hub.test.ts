import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Fmp4Parser, type InitSegment, type MediaFragment } from './fmp4.ts';
import { LiveHub, LiveHubRegistry, type LiveListener, type LiveSource, type LiveStreamSink } from './live-hub.ts';
import { decodeFirstFrame, snapshotJpeg } from './snapshot.ts';
import { encodeTestPattern } from './test-pattern.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const skip = existsSync(FFMPEG) ? false : `${FFMPEG} not found`;

interface Clip {
  init: InitSegment;
  /** 200 ms fragments, a keyframe every 5th (1 s GOP). */
  frags: MediaFragment[];
}

function clip(): Clip {
  const items = new Fmp4Parser().push(encodeTestPattern(FFMPEG, { seconds: 3, width: 320, height: 240 }));
  const init = items[0].type === 'init' ? items[0].init : assert.fail('no init');
  return { init, frags: items.flatMap((i) => (i.type === 'fragment' ? [i.fragment] : [])) };
}

/** Records what a viewer received, as `init`, `K<n>` / `-<n>` (keyframe or not, by sequence), `end`. */
class Recorder implements LiveListener {
  log: string[] = [];
  pending = 0;
  init(init: InitSegment) {
    this.log.push(`init:${init.codecs[0]}`);
  }
  fragment(f: MediaFragment) {
    this.log.push(`${f.keyframe ? 'K' : '-'}${f.sequence}`);
  }
  end(reason: string, final: boolean) {
    this.log.push(final ? `closed:${reason}` : `end:${reason}`);
  }
  backlog() {
    return this.pending;
  }
}

async function send(stream: PassThrough, ...parts: Buffer[]): Promise<void> {
  for (const p of parts) stream.write(p);
  await tick();
}

describe('LiveHub', { skip }, () => {
  const { init, frags } = skip ? ({ frags: [] } as unknown as Clip) : clip();
  const codec = init?.codecs[0];
  const seq = (from: number, to: number) => frags.slice(from - 1, to).map((f) => `${f.keyframe ? 'K' : '-'}${f.sequence}`);

  test('a viewer present from the start gets the init and every fragment in order', async () => {
    const hub = new LiveHub('cam-1');
    const v = new Recorder();
    hub.subscribe(v);
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, ...frags.slice(0, 7).map((f) => f.data));
    assert.deepEqual(v.log, [`init:${codec}`, ...seq(1, 7)]);
    assert.equal(hub.init?.mimeType, init.mimeType);
    assert.equal(hub.stats.fragments, 7);
    hub.close();
  });

  test('a late viewer starts on the cached keyframe, then goes live', async () => {
    const hub = new LiveHub('cam-1');
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, ...frags.slice(0, 8).map((f) => f.data));
    const v = new Recorder();
    hub.subscribe(v);
    assert.deepEqual(v.log, [`init:${codec}`, ...seq(6, 8)], 'fragments 6–8: the GOP that began at 1 s');
    await send(stream, frags[8].data, frags[9].data, frags[10].data);
    assert.deepEqual(v.log.slice(4), seq(9, 11));
    assert.equal(hub.latestKeyframe?.fragment.sequence, 11);
    hub.close();
  });

  test('with no GOP cached a new viewer waits for the next keyframe', async () => {
    const hub = new LiveHub('cam-1', { maxGopBytes: 1 });
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, ...frags.slice(0, 3).map((f) => f.data));
    const v = new Recorder();
    hub.subscribe(v);
    await send(stream, ...frags.slice(3, 7).map((f) => f.data));
    assert.deepEqual(v.log, [`init:${codec}`, ...seq(6, 7)]);
    hub.close();
  });

  test('a slow viewer skips to the next keyframe; the others get everything', async () => {
    const hub = new LiveHub('cam-1', { maxBacklogBytes: 1000 });
    const slow = new Recorder();
    const fast = new Recorder();
    hub.subscribe(slow);
    hub.subscribe(fast);
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, frags[0].data, frags[1].data);
    slow.pending = 5000;
    await send(stream, frags[2].data, frags[3].data);
    slow.pending = 0; // caught up mid-GOP: still only resumes on a keyframe
    await send(stream, frags[4].data, frags[5].data, frags[6].data);
    assert.deepEqual(slow.log, [`init:${codec}`, ...seq(1, 2), ...seq(6, 7)]);
    assert.deepEqual(fast.log, [`init:${codec}`, ...seq(1, 7)]);
    assert.equal(hub.stats.skipped, 3, 'fragments 3–5');
    hub.close();
  });

  test('an ffmpeg restart resets viewers with the new init; the old stream is still drained', async () => {
    const hub = new LiveHub('cam-1');
    const v = new Recorder();
    hub.subscribe(v);
    const first = new PassThrough();
    hub.feed(first);
    await send(first, init.data, frags[0].data, frags[1].data);
    const second = new PassThrough();
    hub.feed(second);
    assert.equal(hub.init, undefined, 'no init until the new ffmpeg writes one');
    await send(first, frags[2].data);
    await send(second, init.data, frags[5].data, frags[6].data);
    assert.deepEqual(v.log, [`init:${codec}`, ...seq(1, 2), 'end:stream restarted', `init:${codec}`, ...seq(1, 2)]);
    assert.equal(first.readableFlowing, true);
    assert.equal(first.readableLength, 0);
    assert.equal(hub.stats.streams, 2);
    hub.close();
  });

  test('the end of the stream is told to viewers and clears the cache', async () => {
    const hub = new LiveHub('cam-1');
    const v = new Recorder();
    hub.subscribe(v);
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, frags[0].data);
    stream.end();
    await tick();
    await tick();
    assert.deepEqual(v.log, [`init:${codec}`, ...seq(1, 1), 'end:stream ended']);
    assert.equal(hub.init, undefined);
    assert.equal(hub.latestKeyframe, undefined);
    hub.close();
  });

  test('an unreadable stream is reported and drained, and viewers are told', async () => {
    const errors: string[] = [];
    const hub = new LiveHub('cam-1', { onError: (_id, err) => errors.push(err.message) });
    const v = new Recorder();
    hub.subscribe(v);
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, frags[0].data, Buffer.from('\x00\x00\x00\x10\x01\x02\x03\x04garbage!'));
    for (let i = 0; i < 50; i++) assert.equal(stream.write(Buffer.alloc(64 * 1024)), true, 'never back-pressures the ingest');
    await tick();
    assert.equal(errors.length, 1);
    assert.match(errors[0], /not an MP4 box/);
    assert.deepEqual(v.log.slice(0, 2), [`init:${codec}`, ...seq(1, 1)]);
    assert.match(v.log[2], /^end:unreadable stream/);
    assert.equal(hub.init, undefined);
    hub.close();
  });

  test('a viewer that throws is removed without disturbing the others', async () => {
    const hub = new LiveHub('cam-1', { onError: () => {} });
    const good = new Recorder();
    hub.subscribe({ init: () => {}, fragment: () => { throw new Error('socket gone'); } });
    hub.subscribe(good);
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, frags[0].data, frags[1].data);
    assert.equal(hub.stats.viewers, 1);
    assert.deepEqual(good.log, [`init:${codec}`, ...seq(1, 2)]);
    hub.close();
  });

  test('unsubscribe stops delivery; close tells viewers it is final', async () => {
    const hub = new LiveHub('cam-1');
    const a = new Recorder();
    const b = new Recorder();
    const stopA = hub.subscribe(a);
    hub.subscribe(b);
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, frags[0].data);
    stopA();
    await send(stream, frags[1].data);
    hub.close('camera removed');
    assert.deepEqual(a.log, [`init:${codec}`, ...seq(1, 1)]);
    assert.deepEqual(b.log, [`init:${codec}`, ...seq(1, 2), 'closed:camera removed']);
    assert.throws(() => hub.subscribe(new Recorder()), /closed/);
    assert.throws(() => hub.feed(new PassThrough()), /closed/);
  });

  test('an attached source runs only while watched (and a linger after), and its stream is forgotten when it stops', async () => {
    const calls: string[] = [];
    let sink: LiveStreamSink | undefined;
    const source: LiveSource = {
      start: (s) => {
        calls.push('start');
        sink = s;
      },
      stop: () => {
        calls.push('stop');
        sink = undefined;
      },
    };
    const hub = new LiveHub('cam-1', { lingerMs: 50 });
    hub.attach(source);
    assert.deepEqual(calls, [], 'nobody watching: not started');
    const v = new Recorder();
    const unsubscribe = hub.subscribe(v);
    assert.deepEqual(calls, ['start']);
    sink!.streamBegin();
    sink!.streamInit(init);
    sink!.streamInit(init); // the next segment file repeats it
    for (const f of frags.slice(0, 6)) sink!.streamFragment(f);
    assert.deepEqual(v.log, [`init:${codec}`, ...seq(1, 6)], 'a repeated init is not sent again');
    const second = hub.subscribe(new Recorder());
    second();
    unsubscribe();
    assert.deepEqual(calls, ['start'], 'still running through the linger');
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(calls, ['start', 'stop']);
    assert.equal(hub.init, undefined, 'a stopped stream is not shown to the next viewer');

    // warm(): started for a snapshot, resolved by the first keyframe, stopped after the linger.
    const warming = hub.warm(2000);
    assert.deepEqual(calls, ['start', 'stop', 'start']);
    sink!.streamBegin();
    sink!.streamInit(init);
    sink!.streamFragment(frags[0]);
    assert.equal(await warming, true);
    assert.equal(hub.latestKeyframe?.fragment, frags[0]);
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(calls, ['start', 'stop', 'start', 'stop']);
    hub.close();
    assert.equal(await hub.warm(10), false);
  });

  test('the registry shares one hub per camera and closes it on removal', () => {
    const registry = new LiveHubRegistry();
    const hub = registry.obtain('cam-1');
    assert.equal(registry.obtain('cam-1'), hub);
    assert.equal(registry.get('cam-1'), hub);
    assert.equal(registry.get('cam-2'), undefined);
    const v = new Recorder();
    hub.subscribe(v);
    registry.remove('cam-1', 'lease lost');
    assert.equal(registry.get('cam-1'), undefined);
    assert.deepEqual(v.log, ['closed:lease lost']);
    assert.notEqual(registry.obtain('cam-1'), hub);
    registry.closeAll();
    assert.deepEqual(registry.cameraIds(), []);
  });

  test('a snapshot decodes the latest keyframe once, however many ask', async () => {
    const hub = new LiveHub('cam-1');
    assert.equal(snapshotJpeg(hub, { ffmpegPath: FFMPEG }), undefined, 'nothing to decode yet');
    const stream = new PassThrough();
    hub.feed(stream);
    await send(stream, init.data, ...frags.slice(0, 7).map((f) => f.data));
    const a = snapshotJpeg(hub, { ffmpegPath: FFMPEG });
    const b = snapshotJpeg(hub, { ffmpegPath: FFMPEG });
    assert.equal(a, b);
    const jpeg = await a!;
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    const probe = spawnSync('/usr/bin/ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: jpeg });
    assert.equal(probe.stdout.toString().trim(), 'mjpeg,320,240');
    await send(stream, frags[10].data);
    assert.notEqual(snapshotJpeg(hub, { ffmpegPath: FFMPEG }), a, 'a new keyframe is a new picture');
    hub.close();
  });

  test('a snapshot that cannot be decoded says why', async () => {
    await assert.rejects(decodeFirstFrame(init.data, { ffmpegPath: '/nonexistent/ffmpeg' }), /cannot run \/nonexistent\/ffmpeg/);
    await assert.rejects(decodeFirstFrame(init.data, { ffmpegPath: FFMPEG }), /snapshot decode failed \(exit \d+\)/);
  });
});
