import { useState, type DragEvent } from 'react';
import { LiveView } from './LiveView.tsx';
import { CAMERA_DRAG_TYPE, WALL_SIZES, clearTile, placeCamera, resizeWall, type WallSize } from './wall-layout.ts';
import { WALL_STORAGE_KEY, useStoredWall, type WallState } from './wall-store.ts';
import './video.css';

export { CAMERA_DRAG_TYPE } from './wall-layout.ts';

/** Makes an element a camera drag source for the wall: call from its onDragStart. */
export function setCameraDragData(event: DragEvent, cameraId: string): void {
  event.dataTransfer.setData(CAMERA_DRAG_TYPE, cameraId);
  event.dataTransfer.setData('text/plain', cameraId);
  event.dataTransfer.effectAllowed = 'copyMove';
}

export interface VideoWallProps {
  /** The wall is kept in localStorage under this key, per workstation. Default 'safecity.wall'. */
  storageKey?: string;
  /** Labels of camera ids (code or name), for the tiles. */
  labels?: Record<string, string>;
  /** The wall's state when the page holds it too (useStoredWall), e.g. to add cameras from a list. */
  state?: WallState;
}

/** A grid of live views (1, 2×2, 3×3, 4×4); drop a camera on a tile to show it there. */
export function VideoWall({ storageKey = WALL_STORAGE_KEY, labels = {}, state }: VideoWallProps) {
  const own = useStoredWall(state ? null : storageKey);
  const { wall, update: setWall } = state ?? own;
  const [over, setOver] = useState<number | null>(null);

  const onDragOver = (index: number) => (e: DragEvent) => {
    if (!e.dataTransfer.types.includes(CAMERA_DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setOver(index);
  };
  const onDrop = (index: number) => (e: DragEvent) => {
    const id = e.dataTransfer.getData(CAMERA_DRAG_TYPE).trim();
    setOver(null);
    if (!id) return;
    e.preventDefault();
    setWall((w) => placeCamera(w, index, id));
  };

  return (
    <div className="video-wall">
      <div className="video-wall-toolbar" role="toolbar" aria-label="Wall layout">
        {WALL_SIZES.map((n: WallSize) => (
          <button key={n} type="button" className={`btn btn-small${wall.size === n ? ' active' : ''}`} aria-pressed={wall.size === n} onClick={() => setWall((w) => resizeWall(w, n))}>
            {n === 1 ? '1' : `${n}×${n}`}
          </button>
        ))}
        <span className="muted">Drag a camera onto a tile.</span>
      </div>
      <div className="video-wall-grid" style={{ gridTemplateColumns: `repeat(${wall.size}, 1fr)`, gridTemplateRows: `repeat(${wall.size}, 1fr)` }}>
        {wall.slots.map((cameraId, i) => (
          <div
            key={`${i}:${cameraId ?? ''}`}
            className={`video-wall-tile${over === i ? ' drop-target' : ''}`}
            data-camera={cameraId ?? undefined}
            onDragOver={onDragOver(i)}
            onDragLeave={(e) => {
              // Leaving for one of the tile's own children is not leaving the tile.
              if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver((o) => (o === i ? null : o));
            }}
            onDrop={onDrop(i)}
            draggable={cameraId !== null}
            onDragStart={(e) => cameraId && setCameraDragData(e, cameraId)}
          >
            {cameraId ? (
              <>
                <LiveView cameraId={cameraId} label={labels[cameraId]} />
                <button type="button" className="video-wall-clear" title="Remove from the wall" onClick={() => setWall((w) => clearTile(w, i))}>
                  ×
                </button>
              </>
            ) : (
              <div className="video-wall-empty muted">Drop a camera here</div>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}
