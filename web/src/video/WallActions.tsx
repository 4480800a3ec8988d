import { useState } from 'react';
import { Link } from '../app/Link.tsx';
import { setCameraDragData } from './VideoWall.tsx';
import { addToStoredWall } from './wall-store.ts';

/**
 * Puts a camera on this workstation's video wall from wherever it is shown (map, camera page): a
 * handle to drag onto a wall open in another window, and "Add to wall" for its first free tile.
 */
export function WallActions({ cameraId }: { cameraId: string }) {
  const [result, setResult] = useState<string | null>(null);
  return (
    <div className="wall-actions">
      <span className="drag-handle" draggable onDragStart={(e) => setCameraDragData(e, cameraId)} title="Drag onto a video wall tile">
        ⠿ Drag
      </span>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => {
          const tile = addToStoredWall(cameraId);
          setResult(tile === null ? 'The wall is full: clear a tile first.' : `On tile ${tile + 1}.`);
        }}
      >
        Add to wall
      </button>
      {result && (
        <span className="muted" role="status">
          {result} <Link to="/wall">Open wall</Link>
        </span>
      )}
    </div>
  );
}
