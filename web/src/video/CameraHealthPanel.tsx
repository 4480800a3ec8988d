import { useEffect, useState } from 'react';
import type { Camera } from '../api/types.ts';
import { getCameraHealth } from '../api/video.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { FieldList } from '../ui/FieldList.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { useAsync } from '../ui/use-async.ts';

// What the ingest sees of the camera: frame rate, bitrate, last frame, reconnects. The status comes
// from the camera (kept live by the page from status events); the figures are read again every
// REFRESH_MS and whenever that status changes.

const REFRESH_MS = 10_000;

function when(iso: string | null | undefined, now: number): string | null {
  if (!iso) return null;
  const at = new Date(iso);
  const s = Math.max(0, Math.round((now - at.getTime()) / 1000));
  const ago = s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
  return `${at.toLocaleString()} (${ago})`;
}

const figure = (v: number | null | undefined, unit: string, digits = 1) => (v === null || v === undefined ? null : `${v.toFixed(digits)} ${unit}`);

export function CameraHealthPanel({ camera }: { camera: Camera }) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const health = useAsync((signal) => getCameraHealth(camera.id, signal), [camera.id, camera.status, tick]);
  const h = health.data;
  const now = Date.now();
  return (
    <>
      <ErrorBanner error={health.error} />
      <FieldList
        rows={[
          ['Status', <StatusBadge status={camera.status} />],
          ['Since', when(h?.statusSince, now)],
          ['Frame rate', figure(h?.fps, 'fps')],
          ['Bitrate', figure(h?.bitrateKbps, 'kbit/s', 0)],
          ['Last frame', when(h?.lastFrameAt, now)],
          ['Reconnects', h?.reconnects ?? null],
          ['Uptime (24 h)', figure(h?.uptimePercent, '%')],
        ]}
      />
      {h === null && <p className="muted">Frame rate, bitrate and last frame are not reported for this camera.</p>}
    </>
  );
}
