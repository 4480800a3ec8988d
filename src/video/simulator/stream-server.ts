// Serves simulated cameras on loopback the way an HTTP network camera serves its stream:
//   GET /<cameraId>.ts           live MPEG-TS (H.264), from the next keyframe, for as long as the client reads
//   GET /<cameraId>.truth.json   the camera's ground truth so far
//   GET /                        the cameras served here; every entry says it is simulated
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TruthRecord } from './truth.ts';
import type { TsBroadcaster } from './ts-broadcaster.ts';

export interface ServedCamera {
  id: string;
  name: string;
  width: number;
  height: number;
  fps: number;
  stream: TsBroadcaster;
  truth(): TruthRecord[];
}

export class StreamServer {
  private readonly cameras = new Map<string, ServedCamera>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('request', (req, res) => this.handle(req, res));
  }

  /** Listens on 127.0.0.1; port 0 takes a free one. */
  static async listen(port = 0): Promise<StreamServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return new StreamServer(server, (server.address() as AddressInfo).port);
  }

  add(camera: ServedCamera): void {
    if (this.cameras.has(camera.id)) throw new Error(`simulated camera ${camera.id} is already served on port ${this.port}`);
    this.cameras.set(camera.id, camera);
  }

  remove(cameraId: string): void {
    this.cameras.get(cameraId)?.stream.close();
    this.cameras.delete(cameraId);
  }

  urlFor(cameraId: string): string {
    return `http://127.0.0.1:${this.port}/${encodeURIComponent(cameraId)}.ts`;
  }

  async close(): Promise<void> {
    for (const camera of this.cameras.values()) camera.stream.close();
    this.cameras.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.reply(res, 405, { error: `${req.method} is not served here` });
    if (path === '/') {
      return this.reply(res, 200, {
        simulated: true,
        cameras: [...this.cameras.values()].map((c) => ({ id: c.id, name: c.name, simulated: true, url: this.urlFor(c.id), width: c.width, height: c.height, fps: c.fps })),
      });
    }
    const stream = /^\/(.+)\.ts$/.exec(path);
    const truth = /^\/(.+)\.truth\.json$/.exec(path);
    const camera = this.cameras.get((stream ?? truth)?.[1] ?? '');
    if (!camera) return this.reply(res, 404, { error: `no simulated camera at ${path}`, cameras: [...this.cameras.keys()] });
    if (truth) return this.reply(res, 200, camera.truth());
    res.writeHead(200, { 'content-type': 'video/mp2t', 'cache-control': 'no-store', 'x-simulated-camera': camera.id });
    if (req.method === 'HEAD') return void res.end();
    res.flushHeaders();
    const remove = camera.stream.add(res);
    res.on('close', remove);
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }
}
