import { useEffect, useMemo, useState } from 'react';
import { listCameras } from '../api/network.ts';
import { CAMERA_STATUSES, type Camera, type CameraStatus, type Page } from '../api/types.ts';
import { statusLabel } from '../network/camera-status.ts';
import { useLiveStatuses } from '../network/use-live-statuses.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { useAsync } from '../ui/use-async.ts';
import { setCameraDragData } from './VideoWall.tsx';

// The camera list beside the video wall: search, filter by status, drag a camera onto a tile or click
// it for the first free one. Cameras that stream come first, so an operator finds a picture fast.

const SHOWN = 100;
const SEARCH_DELAY_MS = 300;

interface Props {
  /** Cameras already on the wall, marked in the list. */
  onWall: ReadonlySet<string>;
  onAdd(camera: Camera): void;
}

/** One page of matches, online ones first: the API has no sort, so online cameras are asked for apart. */
async function pickerPage(q: string, status: CameraStatus | '', signal: AbortSignal): Promise<Page<Camera>> {
  const query = { q: q || undefined, limit: SHOWN };
  if (status) return listCameras({ ...query, status }, signal);
  const [online, all] = await Promise.all([listCameras({ ...query, status: 'online' }, signal), listCameras(query, signal)]);
  const seen = new Set(online.items.map((c) => c.id));
  return { items: [...online.items, ...all.items.filter((c) => !seen.has(c.id))].slice(0, SHOWN), total: all.total };
}

export function CameraPicker({ onWall, onAdd }: Props) {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<CameraStatus | ''>('');
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const page = useAsync((signal) => pickerPage(q, status, signal), [q, status]);
  const live = useLiveStatuses();

  // A camera that came online since the list loaded moves up with the others.
  const rows = useMemo(() => {
    const items = (page.data?.items ?? []).map((c) => ({ camera: c, status: live[c.id] ?? c.status }));
    return items.sort((a, b) => Number(b.status === 'online') - Number(a.status === 'online'));
  }, [page.data, live]);

  return (
    <div className="picker">
      <div className="picker-filters">
        <input type="search" name="q" placeholder="Search cameras" aria-label="Search cameras" value={text} onChange={(e) => setText(e.target.value)} />
        <select name="status" aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value as CameraStatus | '')}>
          <option value="">All statuses</option>
          {CAMERA_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </div>
      <ErrorBanner error={page.error} />
      <ul className={page.loading ? 'picker-list loading' : 'picker-list'} aria-label="Cameras">
        {rows.map(({ camera: c, status: s }) => (
          <li
            key={c.id}
            className={onWall.has(c.id) ? 'picker-row on-wall' : 'picker-row'}
            data-camera-id={c.id}
            draggable
            tabIndex={0}
            role="button"
            title="Drag onto a tile, or click for the first free tile"
            onDragStart={(e) => setCameraDragData(e, c.id)}
            onClick={() => onAdd(c)}
            onKeyDown={(e) => e.key === 'Enter' && onAdd(c)}
          >
            <span className="picker-row-head">
              <span className="mono">{c.code}</span>
              <StatusBadge status={s} />
            </span>
            <span className="picker-row-name">{c.name}</span>
            <span className="picker-row-site muted">{onWall.has(c.id) ? `On the wall · ${c.siteName}` : c.siteName}</span>
          </li>
        ))}
        {page.data && rows.length === 0 && <li className="empty">No cameras match.</li>}
      </ul>
      {page.data && page.data.total > rows.length && (
        <div className="picker-more muted">
          {rows.length} of {page.data.total.toLocaleString('en')} shown: search to narrow.
        </div>
      )}
    </div>
  );
}
