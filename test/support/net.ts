import { createServer } from 'node:net';

/** A TCP port on loopback that was free a moment ago (for a server the test starts itself, e.g. ffmpeg). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
