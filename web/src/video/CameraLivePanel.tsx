import type { Camera } from '../api/types.ts';
import { snapshotUrl } from '../api/video.ts';
import { LiveView } from './LiveView.tsx';
import { WallActions } from './WallActions.tsx';

/** The camera page's live view: the picture, a snapshot to open or save, and the wall actions. */
export function CameraLivePanel({ camera }: { camera: Camera }) {
  return (
    <div className="live-panel">
      <LiveView cameraId={camera.id} label={camera.code} />
      <div className="live-panel-actions">
        <a className="btn btn-small" href={snapshotUrl(camera.id)} target="_blank" rel="noopener" title="The latest keyframe as JPEG, in a new tab">
          Snapshot
        </a>
        <WallActions cameraId={camera.id} />
      </div>
    </div>
  );
}
