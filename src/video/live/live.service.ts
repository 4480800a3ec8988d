import type { AuditService } from '../../audit/audit.service.ts';
import { pathInScope, type Actor } from '../../identity/actor.ts';
import { AppError, ConflictError, NotFoundError, UnavailableError } from '../../platform/http/errors.ts';
import type { LiveHub, LiveHubRegistry } from './live-hub.ts';
import { relayGet, type RelayContext, type RelayTarget } from './live-relay.ts';
import { snapshotJpeg } from './snapshot.ts';

/** What live video needs to know about a camera; the network domain answers it. */
export interface LiveCameraDirectory {
  /** The org path of the camera's site, or undefined when there is no such camera. */
  scopePathOf(cameraId: string): Promise<string | undefined>;
}

/** Where a camera's ingest runs; the ingest manager answers it from its leases. */
export interface IngestLocator {
  /** The worker holding the camera's ingest lease now, or undefined when none does. */
  workerOf(cameraId: string): Promise<string | undefined>;
}

export interface LiveServiceDeps {
  registry: LiveHubRegistry;
  cameras: LiveCameraDirectory;
  audit: AuditService;
  ffmpegPath: string;
  /** Unset on a single node: a camera without a local hub is simply not ingested. */
  ingest?: IngestLocator;
  /** This node's worker id, to tell "another node streams it" from "nobody does". */
  workerId?: string;
  /** Where the other nodes are reached (cluster_nodes), to relay their cameras; unset: no relay. */
  nodes?: { urlOf(workerId: string): Promise<string | undefined> };
}

/** How a request reached this node: what a relay to the camera's node needs, and whether it already was one. */
export interface LiveRequest {
  /** The viewer's bearer token (a relay passes it on). */
  credential?: string;
  /** Set when another node relayed this request: it is served here or refused, never relayed again. */
  relayedBy?: string;
  /** The node a relayed request was meant for (another one refuses it: a wrong address in cluster_nodes). */
  relayTo?: string;
}

/** Where a viewer's video comes from: this node's hub, or the node that ingests the camera. */
export type LiveSource = { hub: LiveHub; relay?: undefined } | { hub?: undefined; relay: RelayTarget & RelayContext };

export interface LiveStatus {
  cameraId: string;
  /** A stream is running: a viewer gets pictures at once. */
  running: boolean;
  mimeType?: string;
  codecs?: string[];
  width?: number;
  height?: number;
  viewers: number;
  lastFragmentAt?: string;
}

export type LiveTransport = 'websocket' | 'snapshot';

/** Live video of the cameras this node ingests, for actors whose scope covers them. */
export class LiveService {
  constructor(private readonly deps: LiveServiceDeps) {}

  /** The stream's codec and state, without watching (no audit entry). */
  async status(actor: Actor, cameraId: string, request: LiveRequest = {}): Promise<LiveStatus> {
    const { hub, relay } = await this.locate(actor, cameraId, request);
    if (relay) return (await (await relayGet(relay, liveStatusPath(cameraId), relay)).json()) as LiveStatus;
    // Live is read only while watched: to tell the codec, the stream is looked at briefly.
    if (!hub.init) await hub.warm(2000);
    const init = hub.init;
    const video = init?.tracks.find((t) => t.handler === 'vide');
    const stats = hub.stats;
    return {
      cameraId,
      running: init !== undefined,
      mimeType: init?.mimeType,
      codecs: init?.codecs,
      width: video?.width,
      height: video?.height,
      viewers: stats.viewers,
      lastFragmentAt: stats.lastFragmentAt?.toISOString(),
    };
  }

  /**
   * The hub to subscribe to, or, for a camera another node ingests, where to relay from; either way
   * the view is audited as `video.live` here (a relayed one also by the node that streams it).
   */
  async watch(actor: Actor, cameraId: string, transport: LiveTransport = 'websocket', request: LiveRequest = {}): Promise<LiveSource> {
    const found = await this.locate(actor, cameraId, request);
    // A relaying node records where it sent the viewer, with the viewer's own address (the node that
    // streams it sees only the relaying node's); that node records who relayed it.
    const via = found.relay ? { relayedTo: found.relay.node } : request.relayedBy ? { relayedBy: request.relayedBy } : {};
    await this.deps.audit.record(actor, { action: 'video.live', targetType: 'camera', targetId: cameraId, scopePath: found.scopePath, details: { transport, ...via } });
    return found.relay ? { relay: found.relay } : { hub: found.hub };
  }

  /** The picture at the latest keyframe, as JPEG; audited as a live view (by the node that ingests the camera). */
  async snapshot(actor: Actor, cameraId: string, request: LiveRequest = {}): Promise<Buffer> {
    const { hub, relay } = await this.watch(actor, cameraId, 'snapshot', request);
    if (relay) return Buffer.from(await (await relayGet(relay, `/api/cameras/${encodeURIComponent(cameraId)}/snapshot.jpg`, relay)).arrayBuffer());
    await hub.warm(3000);
    const jpeg = snapshotJpeg(hub, { ffmpegPath: this.deps.ffmpegPath });
    if (!jpeg) throw new UnavailableError(`camera "${cameraId}" has no picture yet: its stream is not running`);
    return jpeg;
  }

  private async locate(actor: Actor, cameraId: string, request: LiveRequest): Promise<{ scopePath: string } & LiveSource> {
    const scopePath = await this.deps.cameras.scopePathOf(cameraId);
    if (scopePath === undefined || !pathInScope(actor.scopePath, scopePath)) {
      if (scopePath !== undefined) {
        await this.deps.audit.record(actor, { action: 'video.live', outcome: 'denied', targetType: 'camera', targetId: cameraId, scopePath, details: { why: 'out of scope' } });
      }
      // Outside the actor's scope reads as absent, so ids can't be probed.
      throw new NotFoundError('camera', cameraId);
    }
    if (request.relayTo && request.relayTo !== this.deps.workerId) {
      throw new AppError(421, 'misdirected', `a relay for node "${request.relayTo}" reached node "${this.deps.workerId ?? 'unnamed'}": the address node "${request.relayTo}" registered reaches another node; set its server.advertiseUrl`);
    }
    const hub = this.deps.registry.get(cameraId);
    if (hub) return { hub, scopePath };
    const worker = await this.deps.ingest?.workerOf(cameraId);
    if (!worker || worker === this.deps.workerId) throw new UnavailableError(`camera "${cameraId}" is not being ingested: no live stream`);
    // Relayed here because the lease named this node, but the camera has moved on since: ask again.
    if (request.relayedBy) throw new UnavailableError(`camera "${cameraId}" moved to node "${worker}" while the request was relayed; ask again`);
    const url = await this.deps.nodes?.urlOf(worker);
    if (!url || !request.credential || !this.deps.workerId) {
      throw new ConflictError(`camera "${cameraId}" is ingested by node "${worker}", which has not said where it is reached (server.advertiseUrl); its live video can't be relayed`);
    }
    return { relay: { node: worker, url, credential: request.credential, from: this.deps.workerId }, scopePath };
  }
}

/** The live route's path for a camera (its status on a plain GET, its stream on an upgrade). */
export function liveStatusPath(cameraId: string): string {
  return `/api/cameras/${encodeURIComponent(cameraId)}/live`;
}
