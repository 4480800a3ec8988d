import { useCallback, useEffect, useState } from 'react';
import { addCamera, emptyWall, parseWall, type Wall } from './wall-layout.ts';

// The video wall of this workstation, kept in localStorage. Every window of the console shares it:
// "Add to wall" on the map or a camera page writes here, and a wall open in another window (the
// control room's second screen) picks the change up from the `storage` event.

export const WALL_STORAGE_KEY = 'safecity.wall';

export interface WallState {
  wall: Wall;
  update(change: (wall: Wall) => Wall): void;
}

export function loadWall(key: string = WALL_STORAGE_KEY): Wall {
  try {
    return parseWall(localStorage.getItem(key)) ?? emptyWall(2);
  } catch {
    return emptyWall(2);
  }
}

function saveWall(key: string, wall: Wall): void {
  try {
    localStorage.setItem(key, JSON.stringify(wall));
  } catch {
    // storage full or disabled: the wall still works, it just isn't remembered
  }
}

/**
 * Puts a camera on the stored wall's first free tile (see addCamera). Returns the tile number, or
 * null when the wall is full.
 */
export function addToStoredWall(cameraId: string, key: string = WALL_STORAGE_KEY): number | null {
  const next = addCamera(loadWall(key), cameraId);
  const index = next.slots.indexOf(cameraId);
  if (index < 0) return null;
  saveWall(key, next);
  // The `storage` event reaches other windows only; this one's walls hear it from here.
  window.dispatchEvent(new StorageEvent('storage', { key }));
  return index;
}

/** The stored wall, kept in step with other windows; `key` null keeps it in memory only. */
export function useStoredWall(key: string | null = WALL_STORAGE_KEY): WallState {
  const [wall, setWall] = useState<Wall>(() => (key ? loadWall(key) : emptyWall(2)));

  useEffect(() => {
    if (!key) return;
    const onStorage = (e: StorageEvent) => {
      if (e.key === key || e.key === null) setWall(loadWall(key));
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [key]);

  // Writing back a wall just read from another window is a no-op: setItem of an equal value fires no event.
  useEffect(() => {
    if (key) saveWall(key, wall);
  }, [key, wall]);

  const update = useCallback((change: (wall: Wall) => Wall) => setWall(change), []);
  return { wall, update };
}
