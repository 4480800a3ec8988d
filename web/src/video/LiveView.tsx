import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/http.ts';
import { getToken } from '../auth/session.ts';
import { MsePlayer, type LiveState, type LiveStatus } from './mse-player.ts';
import './video.css';

export interface LiveViewProps {
  cameraId: string;
  /** Shown in the corner: the camera's code or name. Default: its id. */
  label?: string;
  className?: string;
  /** Told of every state change (connecting, live, waiting, offline, unsupported). */
  onStatus?: (status: LiveStatus) => void;
}

const STATE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  waiting: 'No video',
  offline: 'Offline',
  unsupported: 'Cannot play',
  stopped: 'Stopped',
};

function liveUrl(cameraId: string, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/cameras/${encodeURIComponent(cameraId)}/live?token=${encodeURIComponent(token)}`;
}

/** Why the server refused the live socket: the same route answers a plain GET with the reason. */
async function refusalReason(cameraId: string): Promise<string | undefined> {
  try {
    await api(`/api/cameras/${encodeURIComponent(cameraId)}/live`);
    return undefined;
  } catch (err) {
    return err instanceof ApiError ? err.message : undefined;
  }
}

/** One camera's live video, kept close to real time; reconnects by itself. Double-click: full screen. */
export function LiveView({ cameraId, label, className, onStatus }: LiveViewProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  const onStatusRef = useRef(onStatus);
  onStatusRef.current = onStatus;

  useEffect(() => {
    const video = videoRef.current;
    const token = getToken();
    if (!video) return;
    if (!token) {
      setStatus({ state: 'offline', message: 'not signed in' });
      return;
    }
    const player = new MsePlayer({
      url: liveUrl(cameraId, token),
      video,
      explainRefusal: () => refusalReason(cameraId),
      onStatus: (s) => {
        setStatus(s);
        onStatusRef.current?.(s);
      },
    });
    player.start();
    return () => player.stop();
  }, [cameraId]);

  const fullscreen = () => {
    const el = videoRef.current?.parentElement;
    if (!el) return;
    if (document.fullscreenElement) void document.exitFullscreen();
    else void el.requestFullscreen?.().catch(() => {});
  };

  return (
    <div className={`live-view${className ? ` ${className}` : ''}`} data-state={status.state} onDoubleClick={fullscreen}>
      <video ref={videoRef} muted playsInline />
      <span className="live-view-label mono">{label ?? cameraId}</span>
      {status.state === 'live' ? (
        <span className="live-view-badge">LIVE</span>
      ) : (
        <div className="live-view-status" role="status">
          <strong>{STATE_TEXT[status.state]}</strong>
          {status.message && <span>{status.message}</span>}
        </div>
      )}
    </div>
  );
}
