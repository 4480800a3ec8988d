import type { Camera } from '../api/types.ts';
import { Link } from '../app/Link.tsx';
import { FieldList } from '../ui/FieldList.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';

export function CameraFieldsPanel({ camera }: { camera: Camera }) {
  return (
    <FieldList
      rows={[
        ['Code', <span className="mono">{camera.code}</span>],
        ['Status', <StatusBadge status={camera.status} />],
        ['Site', <Link to="/cameras" query={{ siteId: camera.siteId }}>{camera.siteName}</Link>],
        ['Kind', camera.kind.toUpperCase()],
        ['Resolution', camera.resolution],
        ['Owner', camera.owner],
        ['Phase', camera.phase],
        ['Position', <span className="mono">{camera.lat.toFixed(6)}, {camera.lon.toFixed(6)}</span>],
        ['Heading', camera.heading === null ? '—' : `${camera.heading}°`],
        ['Retention', camera.retentionDays === null ? 'Default' : `${camera.retentionDays} days`],
        ['Data', camera.demo ? 'Demo camera' : null],
      ]}
    />
  );
}
