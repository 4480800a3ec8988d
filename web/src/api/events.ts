import { getToken } from '../auth/session.ts';
import type { CameraStatus } from './types.ts';

// Live events over one WebSocket (/api/events). The socket is a convenience on top of the REST data:
// when it drops, the console keeps working and reconnects quietly with capped, jittered backoff.

export interface CameraStatusEvent {
  subject: 'video.camera.status';
  payload: { cameraId: string; status: CameraStatus; at: string; reason?: string };
}

export type LiveEvent = CameraStatusEvent | { subject: string; payload: unknown };

export type LiveState = 'connecting' | 'open' | 'closed';

export interface EventStreamOptions {
  onEvent(event: LiveEvent): void;
  onState?(state: LiveState): void;
  /** First retry delay; doubles per failure up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export function isCameraStatusEvent(e: LiveEvent): e is CameraStatusEvent {
  if (e.subject !== 'video.camera.status' || typeof e.payload !== 'object' || e.payload === null) return false;
  const p = e.payload as Record<string, unknown>;
  return typeof p.cameraId === 'string' && typeof p.status === 'string';
}

function eventsUrl(token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/events?token=${encodeURIComponent(token)}`;
}

/** Opens the event stream; returns a function that closes it for good. */
export function openEventStream(options: EventStreamOptions): () => void {
  const { onEvent, onState, minDelayMs = 1000, maxDelayMs = 30_000 } = options;
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let stopped = false;

  const connect = () => {
    const token = getToken();
    if (stopped || !token) return;
    onState?.('connecting');
    const ws = new WebSocket(eventsUrl(token));
    socket = ws;
    ws.onopen = () => {
      failures = 0;
      onState?.('open');
    };
    ws.onmessage = (msg) => {
      if (typeof msg.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as LiveEvent).subject === 'string') {
        onEvent(parsed as LiveEvent);
      }
    };
    ws.onclose = () => {
      socket = null;
      if (stopped) return;
      onState?.('closed');
      const delay = Math.min(maxDelayMs, minDelayMs * 2 ** failures);
      failures++;
      timer = setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
    };
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
  };
}
