import { getCamera } from '../api/network.ts';
import type { CameraFeatureProperties, CameraStatus } from '../api/types.ts';
import { Link } from '../app/Link.tsx';
import { FieldList } from '../ui/FieldList.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { useAsync } from '../ui/use-async.ts';
import { LiveView } from '../video/LiveView.tsx';
import { WallActions } from '../video/WallActions.tsx';
import { CardHeader } from './CardHeader.tsx';

interface Props {
  camera: CameraFeatureProperties;
  status: CameraStatus;
}

export function CameraCard({ camera, status }: Props) {
  // The map layer carries only what it draws by; the rest comes from the camera itself.
  const { data: full } = useAsync((signal) => getCamera(camera.id, signal), [camera.id]);
  return (
    <>
      <CardHeader kicker={`Camera · ${camera.code}`} title={camera.name} />
      {status === 'online' && <LiveView cameraId={camera.id} label={camera.code} className="map-card-live" />}
      <FieldList
        compact
        rows={[
          ['Status', <StatusBadge status={status} />],
          ['Kind', camera.kind.toUpperCase()],
          ['Owner', camera.owner],
          ['Site', full ? full.siteName : '…'],
          ['Resolution', full?.resolution],
        ]}
      />
      <Link to={`/cameras/${encodeURIComponent(camera.id)}`} className="btn btn-primary btn-block">
        Open camera
      </Link>
      <WallActions cameraId={camera.id} />
    </>
  );
}
