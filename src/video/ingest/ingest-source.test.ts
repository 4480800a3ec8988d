import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIngestArgs, parseSource } from './ingest-source.ts';

test('sources are classified by scheme, path and fragment hints', () => {
  assert.deepEqual(parseSource('rtsp://admin:pw@10.0.0.5:554/Streaming/101'), {
    kind: 'rtsp', input: 'rtsp://admin:pw@10.0.0.5:554/Streaming/101', transport: 'tcp', display: 'rtsp://***@10.0.0.5:554/Streaming/101',
  });
  const udp = parseSource('rtsp://cam/main#transport=udp');
  assert.equal(udp.transport, 'udp');
  assert.equal(udp.input, 'rtsp://cam/main', 'the hint is not sent to the camera');
  assert.equal(parseSource('rtsp://cam/main#udp').transport, 'udp');
  assert.equal(parseSource('https://cdn/live/cam7/index.m3u8').kind, 'hls');
  assert.equal(parseSource('http://10.0.0.9/axis-cgi/mjpg/video.cgi').kind, 'mjpeg');
  assert.equal(parseSource('http://10.0.0.9/?action=stream').kind, 'mjpeg');
  assert.equal(parseSource('http://10.0.0.9/stream#mjpeg').kind, 'mjpeg');
  assert.equal(parseSource('http://10.0.0.9/stream.ts').kind, 'http');
  assert.deepEqual(parseSource('file:///srv/sim/junction%201.mp4'), { kind: 'file', input: '/srv/sim/junction 1.mp4', display: '/srv/sim/junction 1.mp4' });
  assert.equal(parseSource('/srv/sim/a.mp4').input, '/srv/sim/a.mp4');
});

test('bad URLs are refused naming the field, without echoing the password', () => {
  assert.throws(() => parseSource('ftp://u:secret@host/x', 'streams[0].url'), /^SourceError: streams\[0\]\.url: scheme "ftp" is not supported/);
  assert.throws(() => parseSource('rtsp://cam/x#fast'), /unknown hint "#fast"/);
  assert.throws(() => parseSource('rtsp://cam/x#mjpeg'), /apply to http\(s\) URLs only/);
  assert.throws(() => parseSource('http://cam/x#udp'), /rtsp URLs only/);
  assert.throws(() => parseSource('  '), /url: is empty/);
  assert.throws(() => parseSource('rtsp://admin:secret@[bad/x'), (err: Error) => !err.message.includes('secret'));
});

test('a copyable stream is copied once into listed fragmented-MP4 segments (recording and live)', () => {
  const args = buildIngestArgs({ source: parseSource('rtsp://cam/x#udp'), transcode: false, segmentSeconds: 10 });
  const joined = args.join(' ');
  assert.match(joined, /-rtsp_transport udp -timeout 5000000 -i rtsp:\/\/cam\/x -map 0:v:0 -c:v copy -f segment -segment_time 10 -segment_format mp4 -segment_format_options movflags=empty_moov\+default_base_moof\+frag_keyframe\+skip_trailer:frag_duration=200000:flush_packets=1 -segment_list pipe:3 -segment_list_type csv %06d\.mp4$/);
  assert.match(joined, /-nostdin .* -progress pipe:2/);
  assert.equal(args.filter((a) => a === '-map').length, 1, 'one output: no second muxer for live');
  const file = buildIngestArgs({ source: parseSource('/v/a.avi'), transcode: false, segmentSeconds: 2 }).join(' ');
  assert.match(file, /-re -stream_loop -1 -fflags \+genpts -i \/v\/a\.avi /);
});

test('a stream that must be transcoded is encoded once, with keyframes every second', () => {
  const args = buildIngestArgs({ source: parseSource('http://cam/video.mjpg'), transcode: true, segmentSeconds: 4 });
  assert.equal(args.filter((a) => a === 'libx264').length, 1);
  assert.ok(args.includes('expr:gte(t,n_forced*1)'));
  assert.deepEqual(args.slice(-3), ['-segment_list_type', 'csv', '%06d.mp4']);
  assert.ok(args.includes('-rw_timeout'));
});
