import type { AuditService } from '../../audit/audit.service.ts';
import { LiveHubRegistry } from './live-hub.ts';
import { LiveService, type IngestLocator, type LiveCameraDirectory, type LiveServiceDeps } from './live.service.ts';

export interface LiveServices {
  /** cameraId → hub: the ingest feeds it (IngestDeps.liveHubs), the routes read it. */
  hubs: LiveHubRegistry;
  live: LiveService;
}

export interface LiveDeps {
  audit: AuditService;
  cameras: LiveCameraDirectory;
  ffmpegPath: string;
  /** The ingest's leases (LeaseRepository), to name the node that streams a camera; unset: one node. */
  leases?: IngestLocator;
  /** This node's ingest worker id. */
  workerId?: string;
  /** Where the other nodes are reached (ClusterNodeRepository), to relay their cameras' live video. */
  nodes?: LiveServiceDeps['nodes'];
  log?: (message: string) => void;
}

export function createLiveServices(deps: LiveDeps): LiveServices {
  const log = deps.log ?? (() => {});
  const hubs = new LiveHubRegistry({ onError: (cameraId, err) => log(`camera ${cameraId}: live: ${err.message}`) });
  const live = new LiveService({
    registry: hubs,
    audit: deps.audit,
    cameras: deps.cameras,
    ffmpegPath: deps.ffmpegPath,
    workerId: deps.workerId,
    nodes: deps.nodes,
    // Asked only for a camera with no hub here: one indexed lease lookup, not a scan of all leases.
    ingest: deps.leases,
  });
  return { hubs, live };
}
