import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Live video only while someone watches. The ingest's ffmpeg sends its live branch to a UNIX socket
// through the fifo muxer (see ingest-source.ts); this end listens on that socket only while the
// camera's live hub has viewers (and for a linger after the last one leaves), so an unwatched camera
// costs no live muxing for node and no bytes through it. The price: the first viewer waits for
// ffmpeg's next connection attempt (≤ 1 s) and the next keyframe.

/** What the ingest hands the live stream to (LiveHub): each connection is a new stream. */
export interface LiveSink {
  feed(stream: NodeJS.ReadableStream): void;
  /** How many watch now; a sink without stats is always watched. */
  readonly stats?: { viewers: number };
}

/** A socket path short enough for sockaddr_un (108 bytes), unique per process and camera. */
export function liveSocketPath(cameraId: string): string {
  const id = createHash('sha256').update(cameraId).digest('hex').slice(0, 16);
  return join(tmpdir(), `safecity-live-${process.pid}-${id}.sock`);
}

export class LiveOnDemand {
  private server?: Server;
  private socket?: Socket;
  private wantedUntil = 0;

  constructor(
    readonly path: string,
    private readonly sink: LiveSink,
    private readonly lingerMs: number,
    private readonly onBytes: (n: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Opens or closes the socket to follow the viewers; call about once a second. */
  update(): void {
    const viewers = this.sink.stats?.viewers ?? 1;
    if (viewers > 0) this.wantedUntil = this.now() + this.lingerMs;
    if (this.now() < this.wantedUntil) this.open();
    else this.close();
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.server?.close();
    this.server = undefined;
    rmSync(this.path, { force: true });
  }

  private open(): void {
    if (this.server) return;
    rmSync(this.path, { force: true });
    const server = createServer((socket) => {
      // ffmpeg reconnects after an error: the newest connection is the stream.
      this.socket?.destroy();
      this.socket = socket;
      socket.on('data', (chunk: Buffer) => this.onBytes(chunk.length));
      socket.on('error', () => socket.destroy());
      this.sink.feed(socket);
    });
    server.on('error', () => {
      if (this.server === server) this.close();
    });
    server.listen(this.path);
    this.server = server;
  }
}
