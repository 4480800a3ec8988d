import WebSocket from 'ws';
import { AppError } from '../../platform/http/errors.ts';

// Live video of a camera that another node ingests, relayed from that node. The camera's lease names
// the node and cluster_nodes its address; the viewer's own credential goes along, so the node that
// streams the camera authorises and audits the view itself, exactly as for a viewer of its own.
// A relayed request carries RELAYED_BY and is never relayed again: a camera that moved meanwhile
// answers 503 and the viewer asks again, rather than bouncing between nodes.

export const RELAYED_BY = 'x-safecity-relayed-by';
/** The node a relayed request is meant for: another node that gets it (a wrong address) refuses it with 421. */
export const RELAY_TO = 'x-safecity-relay-to';

export interface RelayTarget {
  /** The worker id of the node that ingests the camera. */
  node: string;
  /** Its API base URL (server.advertiseUrl). */
  url: string;
}

export interface RelayContext {
  /** The viewer's bearer token, passed on to the node that streams the camera. */
  credential: string;
  /** This node's worker id, sent as RELAYED_BY. */
  from: string;
}

const HTTP_TIMEOUT_MS = 8000;
/** The camera's node is pinged this often once the relay is open; no pong by the next ping ends the relay. */
const PING_MS = 15_000;

function relayHeaders(target: RelayTarget, ctx: RelayContext): Record<string, string> {
  return { authorization: `Bearer ${ctx.credential}`, [RELAYED_BY]: ctx.from, [RELAY_TO]: target.node };
}

/** A WebSocket close reason: at most 123 bytes of UTF-8, cut at a character. */
function closeReason(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > 120) out = out.slice(0, -1);
  return out;
}

function unreachable(target: RelayTarget, err: unknown): AppError {
  const why = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return new AppError(502, 'relay_failed', `node "${target.node}" at ${target.url}, which ingests this camera, cannot be reached: ${why}`);
}

/** Asks the camera's node for `path` (a GET); its error answers come back as the same error here. */
export async function relayGet(target: RelayTarget, path: string, ctx: RelayContext): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url), {
      headers: relayHeaders(target, ctx),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (err) {
    throw unreachable(target, err);
  }
  if (res.ok) return res;
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  throw new AppError(res.status, body.error ?? 'relay_failed', body.message ?? `node "${target.node}" answered HTTP ${res.status}`);
}

/** The part of the viewer's WebSocket (from @fastify/websocket) the relay uses. */
export interface ViewerSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: WebSocket.RawData | string, options?: { binary: boolean }): void;
  close(code: number, reason: string): void;
  on(event: 'close' | 'error', listener: () => void): void;
}

export interface SocketRelayOptions {
  /** Close code that tells the viewer to reconnect at once (the stream moved). */
  goneCode: number;
  /** Pause reading from the camera's node while the viewer has more than this unsent. Default 4 MiB. */
  highWaterBytes?: number;
  /** …and resume once it is down to this. Default 1 MiB. */
  lowWaterBytes?: number;
}

const OPEN = 1;

/** A close code a server may send (1005/1006 and the like only describe what happened). */
function sendable(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1011 || (code >= 3000 && code <= 4999);
}

/**
 * Pipes the camera node's live WebSocket at `path` to the viewer, message for message (text control
 * messages and binary fragments alike), until either side ends. A viewer that reads slowly pauses
 * the upstream socket: the camera's node then sees its own socket back up and skips that viewer to
 * the next keyframe, as it does for any slow viewer, so nothing piles up here.
 */
export function relaySocket(target: RelayTarget, path: string, ctx: RelayContext, viewer: ViewerSocket, options: SocketRelayOptions): void {
  const high = options.highWaterBytes ?? 4 * 1024 * 1024;
  const low = options.lowWaterBytes ?? 1024 * 1024;
  const url = new URL(path, target.url);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const upstream = new WebSocket(url, { headers: relayHeaders(target, ctx), handshakeTimeout: HTTP_TIMEOUT_MS });
  let viewerGone = false;
  let ended = false;
  let drainTimer: NodeJS.Timeout | undefined;
  // A node cut off without a close (a partition) answers no ping: the relay ends and the viewer reconnects.
  let pingTimer: NodeJS.Timeout | undefined;
  let answered = true;
  upstream.on('open', () => {
    pingTimer = setInterval(() => {
      if (!answered) {
        upstream.terminate();
        return;
      }
      answered = false;
      upstream.ping();
    }, PING_MS);
  });
  upstream.on('pong', () => (answered = true));
  /** Closes the viewer's socket once, first telling it why there is no stream when `tell`. */
  const finish = (code: number, reason: string, tell: boolean) => {
    clearInterval(drainTimer);
    clearInterval(pingTimer);
    if (ended || viewerGone || viewer.readyState !== OPEN) return;
    ended = true;
    if (tell) viewer.send(JSON.stringify({ type: 'end', reason }));
    viewer.close(code, closeReason(reason));
  };
  const end = (code: number, reason: string) => finish(code, reason, true);

  upstream.on('message', (data, isBinary) => {
    if (viewer.readyState !== OPEN) return;
    viewer.send(data, { binary: isBinary });
    if (drainTimer === undefined && viewer.bufferedAmount > high) {
      upstream.pause();
      drainTimer = setInterval(() => {
        if (viewer.readyState !== OPEN || viewer.bufferedAmount <= low) {
          clearInterval(drainTimer);
          drainTimer = undefined;
          upstream.resume();
        }
      }, 50);
    }
  });
  upstream.on('unexpected-response', (_req, res) => {
    // The camera's node refused the upgrade: say why, as the same close a local refusal would bring.
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      let message = `node "${target.node}" answered HTTP ${res.statusCode}`;
      try {
        message = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the status
      }
      const moved = res.statusCode === 409 || res.statusCode === 503;
      end(moved ? options.goneCode : 1008, message);
      upstream.terminate();
    });
  });
  upstream.on('error', (err) => end(1011, unreachable(target, err).message));
  upstream.on('close', (code, reason) => finish(sendable(code) ? code : 1011, reason.toString('utf8') || 'the camera node closed the stream', false));
  const viewerLeft = () => {
    viewerGone = true;
    clearInterval(drainTimer);
    clearInterval(pingTimer);
    if (upstream.readyState === WebSocket.CONNECTING || upstream.readyState === WebSocket.OPEN) upstream.terminate();
  };
  viewer.on('close', viewerLeft);
  viewer.on('error', viewerLeft);
}
