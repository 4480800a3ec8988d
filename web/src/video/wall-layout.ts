// What a video wall shows where: a square grid of slots, each empty or holding one camera id.
// Pure functions, so the rules (a camera appears once; a smaller grid keeps what fits) are tested
// without a browser.

export const WALL_SIZES = [1, 2, 3, 4] as const;
/** Tiles per side: 1, 2×2, 3×3, 4×4. */
export type WallSize = (typeof WALL_SIZES)[number];

/** Drag data type of a camera id, set by anything the operator can drag a camera from. */
export const CAMERA_DRAG_TYPE = 'application/x-safecity-camera';

export interface Wall {
  size: WallSize;
  /** size² entries, row by row; null is an empty tile. */
  slots: Array<string | null>;
}

export function emptyWall(size: WallSize = 2): Wall {
  return { size, slots: Array(size * size).fill(null) };
}

export function isWallSize(n: unknown): n is WallSize {
  return (WALL_SIZES as readonly unknown[]).includes(n);
}

/**
 * Puts `cameraId` on tile `index`. A camera already on the wall moves there, and the camera it
 * displaces takes its old tile: the wall never shows one camera twice.
 */
export function placeCamera(wall: Wall, index: number, cameraId: string): Wall {
  if (!Number.isInteger(index) || index < 0 || index >= wall.slots.length || !cameraId) return wall;
  const slots = [...wall.slots];
  const from = slots.indexOf(cameraId);
  if (from === index) return wall;
  if (from >= 0) slots[from] = slots[index];
  slots[index] = cameraId;
  return { ...wall, slots };
}

/**
 * Puts `cameraId` on the first free tile, growing the grid one size when it is full (2×2 → 3×3).
 * A camera already on the wall stays where it is. Returns the same wall when a full 4×4 has no room.
 */
export function addCamera(wall: Wall, cameraId: string): Wall {
  if (!cameraId || wall.slots.includes(cameraId)) return wall;
  let next = wall;
  if (!next.slots.includes(null)) {
    const bigger = WALL_SIZES.find((n) => n > wall.size);
    if (!bigger) return wall;
    next = resizeWall(wall, bigger);
  }
  return placeCamera(next, next.slots.indexOf(null), cameraId);
}

export function clearTile(wall: Wall, index: number): Wall {
  if (wall.slots[index] == null) return wall;
  const slots = [...wall.slots];
  slots[index] = null;
  return { ...wall, slots };
}

/**
 * A new grid size. Each camera keeps its tile number where that tile still exists; the others fill
 * the free tiles in order, as many as fit.
 */
export function resizeWall(wall: Wall, size: WallSize): Wall {
  const slots: Array<string | null> = Array(size * size).fill(null);
  const rest: string[] = [];
  wall.slots.forEach((id, i) => {
    if (id === null) return;
    if (i < slots.length) slots[i] = id;
    else rest.push(id);
  });
  for (const id of rest) {
    const free = slots.indexOf(null);
    if (free < 0) break;
    slots[free] = id;
  }
  return { size, slots };
}

/** Reads a stored wall, or undefined when it is missing or malformed. */
export function parseWall(text: string | null): Wall | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<Wall>;
    if (!isWallSize(v.size) || !Array.isArray(v.slots) || v.slots.length !== v.size * v.size) return undefined;
    if (!v.slots.every((s) => s === null || (typeof s === 'string' && s.length > 0 && s.length <= 100))) return undefined;
    return { size: v.size, slots: v.slots };
  } catch {
    return undefined;
  }
}
