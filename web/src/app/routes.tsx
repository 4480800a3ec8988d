import type { ReactNode } from 'react';
import { CameraDetailPage } from '../network/CameraDetailPage.tsx';
import { CameraListPage } from '../network/CameraListPage.tsx';
import { MapPage } from '../map/MapPage.tsx';
import { VideoWallPage } from '../video/VideoWallPage.tsx';

// The one route table of the console. A screen is one entry: its path pattern, a title, where it sits
// in the left nav (if at all) and what it renders. New areas add their entries here.

export const NAV_GROUPS = ['Operations', 'Video', 'Network'] as const;
export type NavGroup = (typeof NAV_GROUPS)[number];

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface AppRoute {
  /** `/cameras/:id`; params are passed decoded. */
  pattern: string;
  title: string;
  nav?: { group: NavGroup; label: string };
  /** The page fills the content area with no padding or scroll (maps, video walls). */
  fullBleed?: boolean;
  render(ctx: RouteContext): ReactNode;
}

export const DEFAULT_PATH = '/map';

export const routes: AppRoute[] = [
  {
    pattern: '/map',
    title: 'Map',
    nav: { group: 'Operations', label: 'Map' },
    fullBleed: true,
    render: ({ query }) => <MapPage focusCameraId={query.get('camera')} />,
  },
  {
    pattern: '/wall',
    title: 'Video wall',
    nav: { group: 'Video', label: 'Video wall' },
    fullBleed: true,
    render: () => <VideoWallPage />,
  },
  {
    pattern: '/cameras',
    title: 'Cameras',
    nav: { group: 'Network', label: 'Cameras' },
    render: ({ query }) => <CameraListPage query={query} />,
  },
  {
    pattern: '/cameras/:id',
    title: 'Camera',
    render: ({ params }) => <CameraDetailPage key={params.id} cameraId={params.id} />,
  },
];
