// Fans one live MPEG-TS stream out to any number of HTTP clients. A client that joins gets the latest
// PAT and PMT and then the stream from the next keyframe (a video packet that starts a PES with the
// random-access indicator set), so every client's first picture decodes.
import type { Writable } from 'node:stream';

const PACKET = 188;
const SYNC = 0x47;
/** A client this far behind is cut off rather than buffered without bound. */
const MAX_BUFFERED = 8 * 1024 * 1024;

interface Client {
  out: Writable;
  started: boolean;
}

export class TsBroadcaster {
  private readonly clients = new Set<Client>();
  private carry: Buffer = Buffer.alloc(0);
  private pmtPid = -1;
  private pat: Buffer | null = null;
  private pmt: Buffer | null = null;
  /** Keyframes seen so far, for health checks and tests. */
  keyframes = 0;
  bytes = 0;
  /** Clients dropped for reading too slowly. */
  cutOff = 0;

  get clientCount(): number {
    return this.clients.size;
  }

  /** Adds a client; returns the function that removes it. */
  add(out: Writable): () => void {
    const client: Client = { out, started: false };
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  /** Feeds bytes from the muxer, cut anywhere. */
  push(chunk: Buffer): void {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    while (start < data.length && data[start] !== SYNC) start++;
    const whole = Math.floor((data.length - start) / PACKET) * PACKET;
    const packets = data.subarray(start, start + whole);
    this.carry = Buffer.from(data.subarray(start + whole));
    if (!packets.length) return;
    this.bytes += packets.length;
    let keyAt = -1;
    for (let o = 0; o < packets.length; o += PACKET) {
      if (packets[o] !== SYNC) continue;
      const pid = ((packets[o + 1] & 0x1f) << 8) | packets[o + 2];
      const unitStart = (packets[o + 1] & 0x40) !== 0;
      if (pid === 0 && unitStart) {
        this.pat = Buffer.from(packets.subarray(o, o + PACKET));
        this.pmtPid = patPmtPid(this.pat);
      } else if (pid === this.pmtPid && unitStart) {
        this.pmt = Buffer.from(packets.subarray(o, o + PACKET));
      } else if (unitStart && randomAccess(packets, o)) {
        this.keyframes++;
        if (keyAt < 0) keyAt = o;
      }
    }
    for (const client of this.clients) {
      if (client.started) this.send(client, packets);
      else if (keyAt >= 0 && this.pat && this.pmt) {
        client.started = true;
        this.send(client, Buffer.concat([this.pat, this.pmt, packets.subarray(keyAt)]));
      }
    }
  }

  /** Ends every client's response. */
  close(): void {
    for (const client of this.clients) client.out.end();
    this.clients.clear();
  }

  private send(client: Client, bytes: Buffer): void {
    if (client.out.writableLength > MAX_BUFFERED) {
      this.clients.delete(client);
      // No error argument: nobody may be listening for one, and the client only needs the connection gone.
      client.out.destroy();
      this.cutOff++;
      return;
    }
    client.out.write(bytes);
  }
}

/** The PMT PID of the first programme in a PAT packet. */
function patPmtPid(p: Buffer): number {
  let o = 4;
  if (p[3] & 0x20) o += 1 + p[4];
  o += 1 + p[o];
  // table header is 8 bytes; then (programme number, PID) pairs; programme 0 is the network PID
  for (let e = o + 8; e + 4 <= Math.min(PACKET, o + 3 + (((p[o + 1] & 0x0f) << 8) | p[o + 2]) - 4); e += 4) {
    const programme = (p[e] << 8) | p[e + 1];
    if (programme !== 0) return ((p[e + 2] & 0x1f) << 8) | p[e + 3];
  }
  return -1;
}

function randomAccess(p: Buffer, o: number): boolean {
  const hasAdaptation = (p[o + 3] & 0x20) !== 0;
  return hasAdaptation && p[o + 4] > 0 && (p[o + 5] & 0x40) !== 0;
}
