import type { AuditService } from '../audit/audit.service.ts';
import type { EventBus } from '../platform/bus/bus.ts';
import type { Db } from '../platform/db/database.ts';
import { ImportService } from './import.service.ts';
import { NetworkStore } from './network.repository.ts';
import { NetworkService } from './network.service.ts';
import { SiteService } from './site.service.ts';

/** Everything the camera network domain offers the rest of the server. */
export interface NetworkServices {
  store: NetworkStore;
  /** Cameras, the map, and the camera views other domains use (getCameraForActor, getCameraInternal, listIngestCameras). */
  network: NetworkService;
  /** Cities, org units and sites. */
  sites: SiteService;
  imports: ImportService;
}

export function createNetworkServices(deps: { db: Db; audit: AuditService; bus: EventBus }): NetworkServices {
  const store = new NetworkStore(deps.db);
  return {
    store,
    network: new NetworkService(store.cameras, store.sites, deps.audit, deps.bus),
    sites: new SiteService(store.sites, store.cameras, deps.audit, deps.bus),
    imports: new ImportService(store.sites, store.cameras, deps.audit, deps.bus),
  };
}
