import type { ComponentType } from 'react';
import type { Camera } from '../api/types.ts';
import { CameraFieldsPanel } from './CameraFieldsPanel.tsx';
import { CameraStreamsPanel } from './CameraStreamsPanel.tsx';
import { PlaybackPanel } from '../video/PlaybackPanel.tsx';

// The sections of the camera detail page, top to bottom. Other areas add theirs here rather than
// editing the page: the video area puts its live view first, e.g.
//   { key: 'live', title: 'Live', wide: true, Component: ({ camera }) => <LiveView cameraId={camera.id} /> }

export interface CameraPanel {
  key: string;
  title: string;
  /** Spans both columns of the detail grid. */
  wide?: boolean;
  Component: ComponentType<{ camera: Camera }>;
}

export const cameraPanels: CameraPanel[] = [
  { key: 'fields', title: 'Details', Component: CameraFieldsPanel },
  { key: 'streams', title: 'Streams', Component: CameraStreamsPanel },
  { key: 'recordings', title: 'Recordings', wide: true, Component: ({ camera }) => <PlaybackPanel cameraId={camera.id} /> },
];
