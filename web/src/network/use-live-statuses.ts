import { useEffect, useState } from 'react';
import { isCameraStatusEvent, openEventStream } from '../api/events.ts';
import { CAMERA_STATUSES, type CameraStatus } from '../api/types.ts';

/**
 * Camera statuses pushed by `video.camera.status` events since the screen opened, by camera id.
 * They are newer than any row loaded before them: show `statuses[id] ?? camera.status`.
 */
export function useLiveStatuses(): Readonly<Record<string, CameraStatus>> {
  const [statuses, setStatuses] = useState<Record<string, CameraStatus>>({});
  useEffect(
    () =>
      openEventStream({
        onEvent(event) {
          if (!isCameraStatusEvent(event)) return;
          const { cameraId, status } = event.payload;
          if (!(CAMERA_STATUSES as readonly string[]).includes(status)) return;
          setStatuses((s) => (s[cameraId] === status ? s : { ...s, [cameraId]: status }));
        },
      }),
    [],
  );
  return statuses;
}
