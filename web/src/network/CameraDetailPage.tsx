import { useMemo } from 'react';
import { getCamera } from '../api/network.ts';
import { Link } from '../app/Link.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { useAsync } from '../ui/use-async.ts';
import { cameraPanels } from './camera-panels.tsx';
import { useLiveStatuses } from './use-live-statuses.ts';

export function CameraDetailPage({ cameraId }: { cameraId: string }) {
  const loaded = useAsync((signal) => getCamera(cameraId, signal), [cameraId]);
  const { error, loading } = loaded;
  // The status as events report it, newer than the loaded row: header and panels change with it.
  const live = useLiveStatuses()[cameraId];
  const camera = useMemo(() => (loaded.data && live ? { ...loaded.data, status: live } : loaded.data), [loaded.data, live]);
  return (
    <div className="page">
      <div className="crumbs">
        <Link to="/cameras">Cameras</Link> / <span className="mono">{camera?.code ?? cameraId}</span>
      </div>
      <ErrorBanner error={error} />
      {loading && !camera && <p className="muted">Loading…</p>}
      {camera && (
        <>
          <header className="page-header">
            <h1>{camera.name}</h1>
            <StatusBadge status={camera.status} />
            <span className="spacer" />
            <Link to="/map" query={{ camera: camera.id }} className="btn btn-small">
              Show on map
            </Link>
          </header>
          <div className="detail-grid">
            {cameraPanels.map(({ key, title, wide, Component }) => (
              <section key={key} className={wide ? 'panel panel-wide' : 'panel'} data-panel={key}>
                <h2>{title}</h2>
                <Component camera={camera} />
              </section>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
