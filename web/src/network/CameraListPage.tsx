import { useCallback, useMemo } from 'react';
import { listCameras, listCities, type CameraQuery } from '../api/network.ts';
import { navigate } from '../app/router.ts';
import { Link } from '../app/Link.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Pager } from '../ui/Pager.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { useAsync } from '../ui/use-async.ts';
import { setCameraDragData } from '../video/VideoWall.tsx';
import { CameraFilters } from './CameraFilters.tsx';
import { cameraQueryFrom, cameraQueryParams } from './camera-query.ts';

export function CameraListPage({ query: params }: { query: URLSearchParams }) {
  const key = params.toString();
  const query = useMemo(() => cameraQueryFrom(new URLSearchParams(key)), [key]);
  const cities = useAsync((signal) => listCities(signal), []);
  const page = useAsync((signal) => listCameras(query, signal), [key]);

  const cityName = useMemo(() => new Map((cities.data?.items ?? []).map((c) => [c.id, c.name])), [cities.data]);

  const update = useCallback(
    (patch: Partial<CameraQuery>) => navigate('/cameras', cameraQueryParams({ ...query, offset: 0, ...patch }), { replace: true }),
    [query],
  );

  const rows = page.data?.items ?? [];
  return (
    <div className="page page-wide">
      <header className="page-header">
        <h1>Cameras</h1>
        {page.data && (
          <span className="page-count" data-testid="camera-total">
            {page.data.total.toLocaleString('en')} cameras
          </span>
        )}
      </header>
      <CameraFilters query={query} cities={cities.data?.items ?? []} onChange={update} />
      {query.siteId && (
        <div className="chips">
          <span className="chip">
            Site {rows[0]?.siteId === query.siteId ? rows[0].siteName : query.siteId}
            <button type="button" aria-label="Clear site filter" onClick={() => update({ siteId: undefined })}>
              ×
            </button>
          </span>
        </div>
      )}
      <ErrorBanner error={page.error} />
      <div className={page.loading ? 'table-wrap loading' : 'table-wrap'}>
        <table className="table">
          <thead>
            <tr>
              <th>Code</th>
              <th>Name</th>
              <th>Site</th>
              <th>City</th>
              <th>Kind</th>
              <th>Owner</th>
              <th>Phase</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr
                key={c.id}
                className="row-link"
                draggable
                onDragStart={(e) => setCameraDragData(e, c.id)}
                title="Open, or drag onto a video wall tile"
                onClick={() => navigate(`/cameras/${encodeURIComponent(c.id)}`)}
              >
                <td className="mono">{c.code}</td>
                <td>
                  <Link to={`/cameras/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                </td>
                <td>{c.siteName}</td>
                <td>{cityName.get(c.cityId) ?? c.cityId}</td>
                <td>{c.kind.toUpperCase()}</td>
                <td>{c.owner}</td>
                <td>{c.phase}</td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
              </tr>
            ))}
            {page.data && rows.length === 0 && (
              <tr>
                <td colSpan={8} className="empty">
                  No cameras match these filters.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {page.data && (
        <Pager
          total={page.data.total}
          limit={query.limit!}
          offset={query.offset!}
          onChange={(p) => navigate('/cameras', cameraQueryParams({ ...query, ...p }))}
        />
      )}
    </div>
  );
}
