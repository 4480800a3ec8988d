import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Permission } from '../../identity/permissions.ts';
import { requires } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/app.ts';
import type { InitSegment } from './fmp4.ts';
import type { LiveHub, LiveListener } from './live-hub.ts';
import { RELAY_TO, RELAYED_BY, relaySocket, type ViewerSocket } from './live-relay.ts';
import { liveStatusPath, type LiveRequest, type LiveService, type LiveSource } from './live.service.ts';

// Live protocol on `GET /api/cameras/:id/live` (WebSocket; `?token=` since browsers can't send headers):
//   text   {"type":"init","mimeType","codecs","width","height"}  a stream begins: reset the decoder
//   binary the init segment (ftyp+moov), right after that text message
//   binary media fragments (moof+mdat), the first one a keyframe
//   text   {"type":"end","reason"}  no stream now (not started yet, ffmpeg restarting); an init follows
// The socket is closed with 4410 when the camera's ingest leaves this node: reconnect to find it again.
// A plain GET on the same path answers the stream's status as JSON, or why it can't be watched.
// Any node answers for any camera: one that another node ingests is relayed from there (live-relay.ts).

export const LIVE_CLOSE_GONE = 4410;

const Params = z.strictObject({ id: z.string().min(1).max(100) });
const TokenQuery = z.strictObject({ token: z.string().max(4096).optional() });

const LiveStatus = z.object({
  cameraId: z.string(),
  running: z.boolean(),
  mimeType: z.string().optional(),
  codecs: z.array(z.string()).optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  viewers: z.number(),
  lastFragmentAt: z.string().optional(),
});

function initMessage(init: InitSegment): string {
  const video = init.tracks.find((t) => t.handler === 'vide');
  return JSON.stringify({ type: 'init', mimeType: init.mimeType, codecs: init.codecs, width: video?.width, height: video?.height });
}

/** The part of a `ws` WebSocket used here (the package ships no types of its own). */
interface LiveSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: string | Buffer): void;
  close(code: number, reason: string): void;
  on(event: 'close' | 'error', listener: () => void): void;
}

/** Streams the hub to one socket until either side ends. */
function pipeToSocket(hub: LiveHub, socket: LiveSocket): void {
  const send = (data: string | Buffer) => {
    if (socket.readyState === socket.OPEN) socket.send(data);
  };
  const listener: LiveListener = {
    init(init) {
      send(initMessage(init));
      send(init.data);
    },
    fragment(fragment) {
      send(fragment.data);
    },
    end(reason, final) {
      send(JSON.stringify({ type: 'end', reason }));
      if (final) socket.close(LIVE_CLOSE_GONE, 'camera stream moved');
    },
    backlog: () => socket.bufferedAmount,
  };
  if (!hub.init) send(JSON.stringify({ type: 'end', reason: "waiting for the camera's stream" }));
  const unsubscribe = hub.subscribe(listener);
  socket.on('close', unsubscribe);
  socket.on('error', unsubscribe);
}

function liveRequest(req: FastifyRequest): LiveRequest {
  const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
  return { credential: req.credential, relayedBy: header(RELAYED_BY), relayTo: header(RELAY_TO) };
}

export function registerLiveRoutes(app: App, live: LiveService): void {
  const watched = new WeakMap<object, LiveSource>();
  app.route({
    method: 'GET',
    url: '/api/cameras/:id/live',
    config: { access: requires(Permission.VideoLive), tokenInQuery: true },
    schema: {
      tags: ['video'],
      summary: "A camera's live video: WebSocket of fragmented MP4 (see live.routes.ts), or its status as JSON on a plain GET.",
      params: Params,
      querystring: TokenQuery,
      response: { 200: LiveStatus },
    },
    // Runs before the upgrade: an unknown camera or one streamed elsewhere is refused with its HTTP
    // status instead of an opened-then-closed socket. Only an opened socket is audited as a view.
    preHandler: async (req) => {
      if (req.ws) watched.set(req, await live.watch(req.actor, req.params.id, 'websocket', liveRequest(req)));
    },
    handler: async (req) => live.status(req.actor, req.params.id, liveRequest(req)),
    wsHandler: (socket, req) => {
      const source = watched.get(req)!;
      if (source.relay) relaySocket(source.relay, liveStatusPath(req.params.id), source.relay, socket as unknown as ViewerSocket, { goneCode: LIVE_CLOSE_GONE });
      else pipeToSocket(source.hub, socket as LiveSocket);
    },
  });

  app.get('/api/cameras/:id/snapshot.jpg', {
    // `?token=` too, so that an <img> or a download link can show it.
    config: { access: requires(Permission.VideoLive), tokenInQuery: true },
    schema: { tags: ['video'], summary: "The camera's latest keyframe as JPEG.", params: Params, querystring: TokenQuery },
  }, async (req, reply) => {
    const jpeg = await live.snapshot(req.actor, req.params.id, liveRequest(req));
    return reply.header('cache-control', 'no-store').type('image/jpeg').send(jpeg);
  });
}
