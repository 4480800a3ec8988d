import type { ComponentType } from 'react';
import type { Camera } from '../api/types.ts';
import { CameraFieldsPanel } from './CameraFieldsPanel.tsx';
import { CameraStreamsPanel } from './CameraStreamsPanel.tsx';
import { CameraHealthPanel } from '../video/CameraHealthPanel.tsx';
import { CameraLivePanel } from '../video/CameraLivePanel.tsx';
import { PlaybackPanel } from '../video/PlaybackPanel.tsx';

// The sections of the camera detail page, top to bottom (two columns where the screen is wide).
// Other areas add theirs here rather than editing the page. Live video comes first, beside the
// details, then the recordings; the camera the panels get carries its live status.

export interface CameraPanel {
  key: string;
  title: string;
  /** Spans both columns of the detail grid. */
  wide?: boolean;
  Component: ComponentType<{ camera: Camera }>;
}

export const cameraPanels: CameraPanel[] = [
  { key: 'live', title: 'Live', Component: CameraLivePanel },
  { key: 'fields', title: 'Details', Component: CameraFieldsPanel },
  { key: 'recordings', title: 'Recordings', wide: true, Component: ({ camera }) => <PlaybackPanel cameraId={camera.id} /> },
  { key: 'health', title: 'Health', Component: CameraHealthPanel },
  { key: 'streams', title: 'Streams', Component: CameraStreamsPanel },
];
