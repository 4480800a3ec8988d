// Incremental parser for the fragmented MP4 that a camera's ingest writes to its pipe (`-c copy`,
// `-movflags empty_moov+default_base_moof+frag_keyframe`, optionally `-frag_duration`). It collects the
// init segment (ftyp + moov) and yields each media fragment (moof + mdat) as one buffer.
//
// Whether a fragment starts with a keyframe is read from the sample flags of its video track
// (trun first-sample / per-sample flags, else tfhd defaults, else trex defaults) rather than assumed
// from `frag_keyframe`: with a finer fragmentation (`-frag_duration`, `frag_every_frame`) most
// fragments start mid-GOP, and a viewer must only ever be started on one that does not.

/** Largest top-level box accepted; a 4 s GOP of 4K at 20 Mbit/s is ~10 MB. */
export const MAX_BOX_BYTES = 64 * 1024 * 1024;

/**
 * Muxer options of a camera's recording segments (ffmpeg's segment muxer, `-segment_format mp4`),
 * which are also what live viewers are served from: fragmented MP4, a fragment at every keyframe and
 * at least every 200 ms (so live latency doesn't depend on the camera's GOP), each fragment flushed to
 * the file as soon as it is complete, no trailer (a segment cut short by a crash reads the same).
 * Every segment file starts with its own init segment (ftyp + moov) and its timestamps at 0.
 */
const MP4_FRAGMENTING: ReadonlyArray<[string, string]> = [
  ['movflags', 'empty_moov+default_base_moof+frag_keyframe+skip_trailer'],
  ['frag_duration', '200000'],
  ['flush_packets', '1'],
];
export const SEGMENT_MP4_OPTIONS = MP4_FRAGMENTING.map(([k, v]) => `${k}=${v}`).join(':');

/** The same fragmentation as output options of a plain mp4 output (tests and benchmarks). */
export const LIVE_FMP4_OUTPUT_ARGS: readonly string[] = ['-f', 'mp4', ...MP4_FRAGMENTING.flatMap(([k, v]) => [`-${k}`, v])];

export class Fmp4Error extends Error {
  override name = 'Fmp4Error';
}

export interface TrackInfo {
  id: number;
  /** `vide`, `soun`, … */
  handler: string;
  timescale: number;
  /** RFC 6381 codec string: `avc1.64001f`, `hvc1.1.6.L93.B0`, `mp4a.40.2` … */
  codec: string;
  width?: number;
  height?: number;
}

export interface InitSegment {
  /** ftyp + moov, exactly as received. */
  data: Buffer;
  tracks: TrackInfo[];
  /** Codec strings of all tracks, video first. */
  codecs: string[];
  /** For `MediaSource.addSourceBuffer`: `video/mp4; codecs="avc1.64001f"`. */
  mimeType: string;
}

export interface MediaFragment {
  /** moof + mdat. */
  data: Buffer;
  /** Counts fragments from 1 within one stream (one ffmpeg run). */
  sequence: number;
  /** The fragment's first video sample is a sync sample: a decoder can start here. */
  keyframe: boolean;
  /** Decode time of the first video sample, seconds (tfdt), when present. */
  decodeTime?: number;
  /** Sum of the video samples' durations, seconds. */
  duration: number;
}

export type Fmp4Item = { type: 'init'; init: InitSegment } | { type: 'fragment'; fragment: MediaFragment };

interface Box {
  type: string;
  /** Offset of the payload (after the header) within `buf`. */
  start: number;
  end: number;
}

/** The child boxes of `buf[start, end)`. Malformed sizes end the walk with an error. */
function children(buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) throw new Fmp4Error(`box ${type}: truncated 64-bit size`);
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) throw new Fmp4Error(`box ${type}: size ${size} does not fit its parent`);
    out.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return out;
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  return children(buf, parent.start, parent.end).find((b) => b.type === type);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function avcCodec(entry: string, buf: Buffer, avcC: Box): string {
  if (avcC.end - avcC.start < 4) throw new Fmp4Error('avcC: too short');
  return `${entry}.${hex2(buf[avcC.start + 1])}${hex2(buf[avcC.start + 2])}${hex2(buf[avcC.start + 3])}`;
}

/** ISO/IEC 14496-15 annex E: `hvc1.<space><profile>.<compat, bit-reversed>.<tier><level>.<constraints>`. */
function hevcCodec(entry: string, buf: Buffer, hvcC: Box): string {
  const p = hvcC.start;
  if (hvcC.end - p < 13) throw new Fmp4Error('hvcC: too short');
  const b1 = buf[p + 1];
  const space = ['', 'A', 'B', 'C'][b1 >> 6];
  const tier = b1 & 0x20 ? 'H' : 'L';
  const profile = b1 & 0x1f;
  let compat = buf.readUInt32BE(p + 2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (compat & 1);
    compat >>>= 1;
  }
  const constraints = [...buf.subarray(p + 6, p + 12)];
  while (constraints.length && constraints[constraints.length - 1] === 0) constraints.pop();
  const level = buf[p + 12];
  return [`${entry}.${space}${profile}`, (reversed >>> 0).toString(16), `${tier}${level}`, ...constraints.map((c) => c.toString(16).toUpperCase())].join('.');
}

/** `mp4a.<objectTypeIndication>[.<audioObjectType>]` from the esds descriptors. */
function mp4aCodec(buf: Buffer, esds: Box): string {
  let at = esds.start + 4; // version + flags
  const readLen = (): number => {
    let len = 0;
    for (let i = 0; i < 4 && at < esds.end; i++) {
      const b = buf[at++];
      len = (len << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return len;
  };
  if (buf[at++] !== 0x03) return 'mp4a.40.2';
  readLen();
  at += 2; // ES_ID
  const flags = buf[at++];
  if (flags & 0x80) at += 2;
  if (flags & 0x40) at += 1 + buf[at];
  if (flags & 0x20) at += 2;
  if (buf[at++] !== 0x04) return 'mp4a.40.2';
  readLen();
  const oti = buf[at];
  at += 13; // oti, streamType, bufferSizeDB(3), maxBitrate(4), avgBitrate(4)
  if (oti !== 0x40 || buf[at++] !== 0x05) return `mp4a.${hex2(oti)}`;
  readLen();
  let aot = buf[at] >> 3;
  if (aot === 31) aot = 32 + (((buf[at] & 0x07) << 3) | (buf[at + 1] >> 5));
  return `mp4a.40.${aot}`;
}

function sampleEntryCodec(buf: Buffer, entry: Box, type: string): { codec: string; width?: number; height?: number } {
  switch (type) {
    case 'avc1':
    case 'avc3':
    case 'hvc1':
    case 'hev1': {
      // VisualSampleEntry: 78 bytes of fixed fields before its child boxes; width/height at 24/26.
      const width = buf.readUInt16BE(entry.start + 24);
      const height = buf.readUInt16BE(entry.start + 26);
      const kids = children(buf, entry.start + 78, entry.end);
      const config = kids.find((k) => k.type === (type.startsWith('avc') ? 'avcC' : 'hvcC'));
      if (!config) throw new Fmp4Error(`${type}: no decoder configuration box`);
      const codec = type.startsWith('avc') ? avcCodec(type, buf, config) : hevcCodec(type, buf, config);
      return { codec, width, height };
    }
    case 'mp4a': {
      const esds = children(buf, entry.start + 28, entry.end).find((k) => k.type === 'esds');
      return { codec: esds ? mp4aCodec(buf, esds) : 'mp4a.40.2' };
    }
    case 'Opus':
      return { codec: 'opus' };
    case 'fLaC':
      return { codec: 'flac' };
    default:
      return { codec: type };
  }
}

interface TrackDefaults {
  duration: number;
  flags: number;
}

interface InitInfo {
  tracks: TrackInfo[];
  /** The track whose samples decide keyframes and timing: the first video track, else the first. */
  mainTrack: TrackInfo;
  trex: Map<number, TrackDefaults>;
}

function parseInit(data: Buffer): InitInfo {
  const top = children(data, 0, data.length);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Fmp4Error('init segment has no moov');
  const tracks: TrackInfo[] = [];
  const trex = new Map<number, TrackDefaults>();
  for (const box of children(data, moov.start, moov.end)) {
    if (box.type === 'trak') {
      const tkhd = child(data, box, 'tkhd');
      const mdia = child(data, box, 'mdia');
      if (!tkhd || !mdia) throw new Fmp4Error('trak without tkhd or mdia');
      const id = data.readUInt32BE(tkhd.start + (data[tkhd.start] === 1 ? 20 : 12));
      const mdhd = child(data, mdia, 'mdhd');
      const hdlr = child(data, mdia, 'hdlr');
      if (!mdhd || !hdlr) throw new Fmp4Error(`track ${id}: no mdhd or hdlr`);
      const timescale = data.readUInt32BE(mdhd.start + (data[mdhd.start] === 1 ? 20 : 12));
      const handler = data.toString('latin1', hdlr.start + 8, hdlr.start + 12);
      const minf = child(data, mdia, 'minf');
      const stbl = minf && child(data, minf, 'stbl');
      const stsd = stbl && child(data, stbl, 'stsd');
      if (!stsd) throw new Fmp4Error(`track ${id}: no sample description`);
      const entry = children(data, stsd.start + 8, stsd.end)[0];
      if (!entry) throw new Fmp4Error(`track ${id}: empty sample description`);
      tracks.push({ id, handler, timescale, ...sampleEntryCodec(data, entry, entry.type) });
    } else if (box.type === 'mvex') {
      for (const t of children(data, box.start, box.end)) {
        if (t.type !== 'trex') continue;
        // version/flags, track_ID, default_sample_description_index, duration, size, flags
        trex.set(data.readUInt32BE(t.start + 4), { duration: data.readUInt32BE(t.start + 12), flags: data.readUInt32BE(t.start + 20) });
      }
    }
  }
  if (!tracks.length) throw new Fmp4Error('moov has no tracks');
  const mainTrack = tracks.find((t) => t.handler === 'vide') ?? tracks[0];
  return { tracks, mainTrack, trex };
}

function isSync(flags: number): boolean {
  return ((flags >>> 16) & 1) === 0 && ((flags >>> 24) & 3) !== 1;
}

function parseMoof(buf: Buffer, info: InitInfo): { keyframe: boolean; decodeTime?: number; duration: number } {
  const moof = { type: 'moof', start: 8, end: buf.length };
  const track = info.mainTrack;
  for (const traf of children(buf, moof.start, moof.end)) {
    if (traf.type !== 'traf') continue;
    const kids = children(buf, traf.start, traf.end);
    const tfhd = kids.find((k) => k.type === 'tfhd');
    if (!tfhd) throw new Fmp4Error('traf without tfhd');
    if (buf.readUInt32BE(tfhd.start + 4) !== track.id) continue;
    const defaults = info.trex.get(track.id) ?? { duration: 0, flags: 0 };
    const tfFlags = buf.readUInt32BE(tfhd.start) & 0xffffff;
    let at = tfhd.start + 8;
    if (tfFlags & 0x01) at += 8;
    if (tfFlags & 0x02) at += 4;
    let defaultDuration = defaults.duration;
    let defaultFlags = defaults.flags;
    if (tfFlags & 0x08) (defaultDuration = buf.readUInt32BE(at)), (at += 4);
    if (tfFlags & 0x10) at += 4;
    if (tfFlags & 0x20) defaultFlags = buf.readUInt32BE(at);

    let decodeTime: number | undefined;
    const tfdt = kids.find((k) => k.type === 'tfdt');
    if (tfdt) {
      const base = buf[tfdt.start] === 1 ? Number(buf.readBigUInt64BE(tfdt.start + 4)) : buf.readUInt32BE(tfdt.start + 4);
      decodeTime = base / track.timescale;
    }

    let keyframe: boolean | undefined;
    let ticks = 0;
    for (const trun of kids) {
      if (trun.type !== 'trun') continue;
      const trFlags = buf.readUInt32BE(trun.start) & 0xffffff;
      const count = buf.readUInt32BE(trun.start + 4);
      let p = trun.start + 8;
      if (trFlags & 0x01) p += 4;
      let firstFlags: number | undefined;
      if (trFlags & 0x04) (firstFlags = buf.readUInt32BE(p)), (p += 4);
      const perSample = ((trFlags & 0x100 ? 4 : 0) + (trFlags & 0x200 ? 4 : 0) + (trFlags & 0x400 ? 4 : 0) + (trFlags & 0x800 ? 4 : 0));
      if (p + count * perSample > trun.end) throw new Fmp4Error(`trun: ${count} samples do not fit`);
      for (let i = 0; i < count; i++) {
        let q = p + i * perSample;
        let duration = defaultDuration;
        if (trFlags & 0x100) (duration = buf.readUInt32BE(q)), (q += 4);
        if (trFlags & 0x200) q += 4;
        let flags = i === 0 && firstFlags !== undefined ? firstFlags : defaultFlags;
        if (trFlags & 0x400) flags = i === 0 && firstFlags !== undefined ? firstFlags : buf.readUInt32BE(q);
        if (keyframe === undefined) keyframe = isSync(flags);
        ticks += duration;
      }
    }
    return { keyframe: keyframe ?? false, decodeTime, duration: ticks / track.timescale };
  }
  // The fragment holds no sample of the main track (e.g. audio only): nothing to start a viewer on.
  return { keyframe: false, duration: 0 };
}

/**
 * Adds to every traf's base decode time (tfdt) in the moof at `buf[start, end)` (its payload) the
 * ticks `deltaOf(trackId)` gives, in place; a traf whose track gets undefined is left as it is.
 * Returns where it wrote (offset in `buf`, bytes). A time that would go negative, or past a
 * version 0 (32-bit) tfdt, is an error.
 */
export function shiftDecodeTimes(buf: Buffer, start: number, end: number, deltaOf: (trackId: number) => bigint | undefined): Array<{ at: number; length: number }> {
  const written: Array<{ at: number; length: number }> = [];
  for (const traf of children(buf, start, end)) {
    if (traf.type !== 'traf') continue;
    const kids = children(buf, traf.start, traf.end);
    const tfhd = kids.find((k) => k.type === 'tfhd');
    const tfdt = kids.find((k) => k.type === 'tfdt');
    const delta = tfhd && tfdt ? deltaOf(buf.readUInt32BE(tfhd.start + 4)) : undefined;
    if (!tfdt || delta === undefined) continue;
    const at = tfdt.start + 4;
    if (buf[tfdt.start] === 1) {
      const time = buf.readBigUInt64BE(at) + delta;
      if (time < 0n) throw new Fmp4Error('shifted decode time is negative');
      buf.writeBigUInt64BE(time, at);
      written.push({ at, length: 8 });
    } else {
      const time = BigInt(buf.readUInt32BE(at)) + delta;
      if (time < 0n || time > 0xffffffffn) throw new Fmp4Error('shifted decode time does not fit a version 0 tfdt');
      buf.writeUInt32BE(Number(time), at);
      written.push({ at, length: 4 });
    }
  }
  return written;
}

/**
 * Moves a fragment along the timeline by `seconds`: every track's base decode time (tfdt) is
 * rewritten in place (the fragment's buffer is its own, see Fmp4Parser). Used to splice segment
 * files, whose timestamps each restart at 0, into one continuous live stream.
 */
export function shiftFragment(fragment: MediaFragment, init: InitSegment, seconds: number): MediaFragment {
  if (!seconds) return fragment;
  const buf = fragment.data;
  const moof = children(buf, 0, buf.length).find((b) => b.type === 'moof');
  if (!moof) throw new Fmp4Error('fragment has no moof');
  shiftDecodeTimes(buf, moof.start, moof.end, (id) => {
    const track = init.tracks.find((t) => t.id === id);
    if (!track) throw new Fmp4Error(`fragment names track ${id}, which the init segment does not have`);
    return BigInt(Math.round(seconds * track.timescale));
  });
  return { ...fragment, decodeTime: fragment.decodeTime === undefined ? undefined : fragment.decodeTime + seconds };
}

/** Feed it the bytes of one fMP4 stream in any chunking; it returns what each chunk completed. */
export class Fmp4Parser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ftyp?: Buffer;
  private info?: InitInfo;
  private moof?: { parts: Buffer[]; parsed: ReturnType<typeof parseMoof> };
  private sequence = 0;
  private pendingSize = 0;

  /** The latest complete init segment seen, if any. */
  init?: InitSegment;

  push(chunk: Buffer): Fmp4Item[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Fmp4Item[] = [];
    // The size of a box whose header was read but whose body hasn't all arrived: wait for it.
    if (this.buffered < this.pendingSize) return out;
    for (;;) {
      const header = this.peek(16);
      if (header.length < 8) break;
      let size = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (!/^[\x20-\x7e]{4}$/.test(type)) throw new Fmp4Error(`not an MP4 box: type bytes ${header.subarray(4, 8).toString('hex')}`);
      if (size === 1) {
        if (header.length < 16) break;
        const large = header.readBigUInt64BE(8);
        size = large > BigInt(MAX_BOX_BYTES) ? Number.MAX_SAFE_INTEGER : Number(large);
      }
      if (size === 0) throw new Fmp4Error(`box ${type}: size 0 (to end of file) cannot be streamed`);
      if (size < 8) throw new Fmp4Error(`box ${type}: invalid size ${size}`);
      if (size > MAX_BOX_BYTES) throw new Fmp4Error(`box ${type}: ${size} bytes is over the ${MAX_BOX_BYTES} limit`);
      if (this.buffered < size) {
        this.pendingSize = size;
        break;
      }
      this.pendingSize = 0;
      let item: Fmp4Item | undefined;
      try {
        item = this.box(type, this.take(size));
      } catch (err) {
        // Reads past a truncated inner box surface as RangeError: the same bad input.
        if (err instanceof Fmp4Error) throw err;
        throw new Fmp4Error(`box ${type}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (item) out.push(item);
    }
    return out;
  }

  private box(type: string, parts: Buffer[]): Fmp4Item | undefined {
    switch (type) {
      case 'ftyp':
        this.ftyp = Buffer.concat(parts);
        return undefined;
      case 'moov': {
        const data = Buffer.concat(this.ftyp ? [this.ftyp, ...parts] : parts);
        this.ftyp = undefined;
        const info = parseInit(data);
        const codecs = [info.mainTrack, ...info.tracks.filter((t) => t !== info.mainTrack)].map((t) => t.codec);
        const kind = info.mainTrack.handler === 'soun' ? 'audio' : 'video';
        this.info = info;
        this.moof = undefined;
        this.init = { data, tracks: info.tracks, codecs, mimeType: `${kind}/mp4; codecs="${codecs.join(',')}"` };
        return { type: 'init', init: this.init };
      }
      case 'moof': {
        if (!this.info) return undefined; // media before any init: undecodable, dropped
        const moof = Buffer.concat(parts);
        this.moof = { parts: [moof], parsed: parseMoof(moof, this.info) };
        return undefined;
      }
      case 'mdat': {
        const moof = this.moof;
        this.moof = undefined;
        if (!moof) return undefined;
        const data = Buffer.concat([...moof.parts, ...parts]);
        return { type: 'fragment', fragment: { data, sequence: ++this.sequence, ...moof.parsed } };
      }
      default:
        // styp, sidx, prft, free, mfra …: nothing a live viewer needs.
        return undefined;
    }
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (!first) return Buffer.alloc(0);
    if (first.length >= n || this.chunks.length === 1) return first.subarray(0, n);
    const head: Buffer[] = [];
    let have = 0;
    for (let i = 0; i < this.chunks.length && have < n; i++) {
      head.push(this.chunks[i]);
      have += this.chunks[i].length;
    }
    return Buffer.concat(head).subarray(0, n);
  }

  private take(n: number): Buffer[] {
    const parts: Buffer[] = [];
    let need = n;
    let used = 0;
    while (need > 0) {
      const chunk = this.chunks[used];
      if (chunk.length <= need) {
        parts.push(chunk);
        used++;
        need -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, need));
        this.chunks[used] = chunk.subarray(need);
        need = 0;
      }
    }
    // One splice, not a shift per chunk: tiny chunks must not make this quadratic.
    this.chunks.splice(0, used);
    this.buffered -= n;
    return parts;
  }
}
