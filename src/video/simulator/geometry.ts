// The fixed street camera: a pole-mounted view straight down a three-lane road with a kerb and a
// walkway on either side. World units are metres: X across the road (positive to the right of the
// picture), h up from the road surface, z along the road away from the camera.
//
// Traffic keeps left (Pakistan), so the lane on the left of the picture carries vehicles away from the
// camera (their rear plates face it) and the two lanes on the right bring vehicles toward it (front
// plates). The proportions are a simulator's: vehicles and plates are drawn a little large for the lane
// widths so that a plate is OCR-legible (characters ≥ 20 px high at 1280x720) when nearest.

export interface Geometry {
  width: number;
  height: number;
  /** Screen row of the horizon. */
  horizonY: number;
  /** Screen column of the vanishing point. */
  vpX: number;
  /** Pixels per metre at depth `zNear`. */
  ppm: number;
  /** Camera height above the road, metres (follows from the above). */
  camH: number;
  /** Depth (metres) whose road surface meets the bottom row of the frame. */
  zNear: number;
}

export type Direction = 'toward' | 'away';

export interface Lane {
  index: number;
  /** Centre line, metres. */
  x: number;
  direction: Direction;
}

export const ROAD = {
  laneWidth: 3.4,
  lanes: [
    { index: 0, x: -3.4, direction: 'away' },
    { index: 1, x: 0, direction: 'toward' },
    { index: 2, x: 3.4, direction: 'toward' },
  ] as readonly Lane[],
  /** Road edges and the double line between the two directions. */
  leftEdge: -5.1,
  rightEdge: 5.1,
  medianX: -1.7,
  kerbWidth: 0.5,
  walkWidth: 3.2,
  /** Shop fronts stand this far beyond the walkways. */
  facadeHeight: 7,
  /** Depth at which vehicles appear (far: a few pixels wide) and vanish under the camera (near), metres. */
  zFar: 600,
  zUnder: 1.5,
} as const;

/** Walkway span on one side: [inner, outer] X in metres. */
export function walkway(side: 'left' | 'right'): [number, number] {
  const inner = ROAD.rightEdge + ROAD.kerbWidth;
  const outer = inner + ROAD.walkWidth;
  return side === 'left' ? [-outer, -inner] : [inner, outer];
}

export function sceneGeometry(width: number, height: number): Geometry {
  const horizonY = Math.round(height * 0.26);
  const ppm = width * 0.0902;
  return { width, height, horizonY, vpX: width / 2, ppm, camH: (height - horizonY) / ppm, zNear: 20 };
}

/** Screen scale at depth z: 1 at the bottom row of the frame, shrinking toward the horizon. */
export function scaleAt(g: Geometry, z: number): number {
  return g.zNear / z;
}

export function projectX(g: Geometry, x: number, z: number): number {
  return g.vpX + x * g.ppm * (g.zNear / z);
}

export function projectY(g: Geometry, h: number, z: number): number {
  return g.horizonY + (g.camH - h) * g.ppm * (g.zNear / z);
}
