import { useEffect, useMemo, useRef, useState } from 'react';
import { getCamera } from '../api/network.ts';
import type { Camera } from '../api/types.ts';
import { href } from '../app/router.ts';
import { CameraPicker } from './CameraPicker.tsx';
import { VideoWall } from './VideoWall.tsx';
import { addCamera } from './wall-layout.ts';
import { useStoredWall } from './wall-store.ts';

const label = (c: Camera) => `${c.code} · ${c.name}`;

/** The video wall screen: the camera picker beside this workstation's wall. */
export function VideoWallPage() {
  const state = useStoredWall();
  const { wall, update } = state;
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const onWall = useMemo(() => new Set(wall.slots.filter((id): id is string => id !== null)), [wall]);

  // Tiles name their cameras: those dropped from elsewhere, or kept from last time, are looked up once.
  const asked = useRef(new Set<string>());
  useEffect(() => {
    for (const id of onWall) {
      if (asked.current.has(id)) continue;
      asked.current.add(id);
      getCamera(id).then(
        (c) => setLabels((l) => ({ ...l, [id]: label(c) })),
        () => undefined,
      );
    }
  }, [onWall]);

  const add = (camera: Camera) => {
    asked.current.add(camera.id);
    setLabels((l) => ({ ...l, [camera.id]: label(camera) }));
    const full = addCamera(wall, camera.id) === wall && !onWall.has(camera.id);
    setNotice(full ? 'The wall is full: clear a tile, or drag the camera onto one to replace it.' : null);
    update((w) => addCamera(w, camera.id));
  };

  return (
    <div className="wall-page">
      <aside className="wall-side" aria-label="Camera picker">
        <div className="wall-side-head">
          <h1>Video wall</h1>
          <button type="button" className="btn btn-small" title="The same wall in its own window, for a second screen" onClick={() => window.open(href('/wall'), 'safecity-wall', 'popup')}>
            New window
          </button>
        </div>
        {notice && (
          <div className="banner banner-info" role="status">
            {notice}
          </div>
        )}
        <CameraPicker onWall={onWall} onAdd={add} />
      </aside>
      <div className="wall-main">
        <VideoWall state={state} labels={labels} />
      </div>
    </div>
  );
}
