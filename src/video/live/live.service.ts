import type { AuditService } from '../../audit/audit.service.ts';
import { pathInScope, type Actor } from '../../identity/actor.ts';
import { ConflictError, NotFoundError, UnavailableError } from '../../platform/http/errors.ts';
import type { LiveHub, LiveHubRegistry } from './live-hub.ts';
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
}

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
  async status(actor: Actor, cameraId: string): Promise<LiveStatus> {
    const { hub } = await this.locate(actor, cameraId);
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

  /** The hub to subscribe to; the view is audited as `video.live`. */
  async watch(actor: Actor, cameraId: string, transport: LiveTransport = 'websocket'): Promise<LiveHub> {
    const { hub, scopePath } = await this.locate(actor, cameraId);
    await this.deps.audit.record(actor, { action: 'video.live', targetType: 'camera', targetId: cameraId, scopePath, details: { transport } });
    return hub;
  }

  /** The picture at the latest keyframe, as JPEG; audited as a live view. */
  async snapshot(actor: Actor, cameraId: string): Promise<Buffer> {
    const hub = await this.watch(actor, cameraId, 'snapshot');
    await hub.warm(3000);
    const jpeg = snapshotJpeg(hub, { ffmpegPath: this.deps.ffmpegPath });
    if (!jpeg) throw new UnavailableError(`camera "${cameraId}" has no picture yet: its stream is not running`);
    return jpeg;
  }

  private async locate(actor: Actor, cameraId: string): Promise<{ hub: LiveHub; scopePath: string }> {
    const scopePath = await this.deps.cameras.scopePathOf(cameraId);
    if (scopePath === undefined || !pathInScope(actor.scopePath, scopePath)) {
      if (scopePath !== undefined) {
        await this.deps.audit.record(actor, { action: 'video.live', outcome: 'denied', targetType: 'camera', targetId: cameraId, scopePath, details: { why: 'out of scope' } });
      }
      // Outside the actor's scope reads as absent, so ids can't be probed.
      throw new NotFoundError('camera', cameraId);
    }
    const hub = this.deps.registry.get(cameraId);
    if (hub) return { hub, scopePath };
    const worker = await this.deps.ingest?.workerOf(cameraId);
    if (worker && worker !== this.deps.workerId) {
      // Relaying another node's live stream is not built yet: say where it runs.
      throw new ConflictError(`camera "${cameraId}" is ingested by node "${worker}"; live video is served only by that node for now`);
    }
    throw new UnavailableError(`camera "${cameraId}" is not being ingested: no live stream`);
  }
}
