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

const live = ['-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_keyframe'];

test('a copyable stream is copied into live fMP4 (output #0) and listed MPEG-TS segments', () => {
  const args = buildIngestArgs({ source: parseSource('rtsp://cam/x#udp'), transcode: false, segmentSeconds: 10, liveArgs: live });
  const joined = args.join(' ');
  assert.match(joined, /-rtsp_transport udp -timeout 5000000 -i rtsp:\/\/cam\/x -map 0:v:0 -c:v copy -f mp4 -movflags empty_moov\+default_base_moof\+frag_keyframe pipe:1 -map 0:v:0 -c:v copy -f segment -segment_time 10 -segment_format mpegts -segment_list pipe:3 -segment_list_type csv %06d.ts$/);
  assert.match(joined, /-nostdin .* -progress pipe:2/);
  const file = buildIngestArgs({ source: parseSource('/v/a.avi'), transcode: false, liveArgs: live }).join(' ');
  assert.match(file, /-re -stream_loop -1 -fflags \+genpts -i \/v\/a\.avi .* pipe:1$/, 'no recording: live only');
});

test('a stream that must be transcoded is encoded once and fanned out by tee', () => {
  const args = buildIngestArgs({ source: parseSource('http://cam/video.mjpg'), transcode: true, segmentSeconds: 4, liveArgs: [...live, '-frag_duration', '200000'] });
  assert.equal(args.filter((a) => a === 'libx264').length, 1);
  assert.deepEqual(args.slice(-3, -1), ['-f', 'tee']);
  assert.equal(args.at(-1), '[f=mp4:movflags=empty_moov+default_base_moof+frag_keyframe:frag_duration=200000]pipe\\:1|'
    + '[f=segment:segment_time=4:segment_format=mpegts:segment_list=pipe\\\\\\:3:segment_list_type=csv]%06d.ts');
  assert.ok(args.includes('-rw_timeout'));
});
