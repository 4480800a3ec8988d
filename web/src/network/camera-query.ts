import type { CameraQuery } from '../api/network.ts';
import { CAMERA_KINDS, CAMERA_STATUSES, OWNERS, type CameraKind, type CameraStatus, type Owner } from '../api/types.ts';

// The camera list keeps its filters in the address (#/cameras?status=offline&offset=100): this reads
// and writes that form, dropping values the API would reject.

export const DEFAULT_LIMIT = 100;

function oneOf<T extends string>(values: readonly T[], v: string | null): T | undefined {
  return v !== null && (values as readonly string[]).includes(v) ? (v as T) : undefined;
}

function whole(v: string | null, fallback: number, min: number, max: number): number {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

export function cameraQueryFrom(params: URLSearchParams): CameraQuery {
  return {
    city: params.get('city') || undefined,
    siteId: params.get('siteId') || undefined,
    status: oneOf<CameraStatus>(CAMERA_STATUSES, params.get('status')),
    kind: oneOf<CameraKind>(CAMERA_KINDS, params.get('kind')),
    owner: oneOf<Owner>(OWNERS, params.get('owner')),
    q: params.get('q') || undefined,
    limit: whole(params.get('limit'), DEFAULT_LIMIT, 1, 1000),
    offset: whole(params.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** The address form of a query, leaving defaults out so links stay short. */
export function cameraQueryParams(q: CameraQuery): Record<string, string | number | undefined> {
  return {
    ...q,
    limit: q.limit === DEFAULT_LIMIT ? undefined : q.limit,
    offset: q.offset ? q.offset : undefined,
  };
}
