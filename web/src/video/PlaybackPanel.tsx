import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { api } from '../api/http.ts';
import { getToken } from '../auth/session.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { useAsync } from '../ui/use-async.ts';
import {
  barPieces,
  fileSeconds,
  fromLocalInput,
  nextRecorded,
  percentAt,
  timeAtFraction,
  toLocalInput,
  type PlaybackWindow,
  type Timeline,
} from './playback-timeline.ts';
import './playback.css';

// Recorded video of one camera: pick a period, see what was recorded in it, click the bar to play from
// there (one MP4 of the period, seekable; gaps hold the last frame), and export the period for evidence
// with a stated reason. Every timeline, playback and export request is audited by the server.

interface ExportJob {
  id: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  progress: number;
  bytes: number | null;
  sha256: string | null;
  error: string | null;
}

const WINDOWS = [5, 15, 60] as const;
const clock = (d: Date) => d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const path = (cameraId: string, rest: string) => `/api/cameras/${encodeURIComponent(cameraId)}/${rest}`;

function startOfMinute(ms: number): Date {
  return new Date(Math.floor(ms / 60_000) * 60_000);
}

export function PlaybackPanel({ cameraId }: { cameraId: string }) {
  const [from, setFrom] = useState(() => startOfMinute(Date.now() - 15 * 60_000));
  const [minutes, setMinutes] = useState<number>(15);
  const period = useMemo<PlaybackWindow>(() => ({ from, to: new Date(from.getTime() + minutes * 60_000) }), [from, minutes]);
  const query = { from: period.from.toISOString(), to: period.to.toISOString() };
  const timeline = useAsync((signal) => api<Timeline>(path(cameraId, 'timeline'), { query, signal }), [cameraId, query.from, query.to]);

  const videoRef = useRef<HTMLVideoElement>(null);
  const [src, setSrc] = useState<string | null>(null);
  const [position, setPosition] = useState<Date | null>(null);
  const seekTo = useRef<Date | null>(null);

  // A new period or camera is a new file.
  useEffect(() => {
    setSrc(null);
    setPosition(null);
  }, [cameraId, query.from, query.to]);

  const play = (at: Date) => {
    const video = videoRef.current;
    if (!video) return;
    if (!src) {
      seekTo.current = at;
      const params = new URLSearchParams({ ...query, token: getToken() ?? '' });
      setSrc(`${path(cameraId, 'playback.mp4')}?${params}`);
      return;
    }
    video.currentTime = fileSeconds(period, at);
    void video.play().catch(() => {});
  };

  const onBarClick = (e: MouseEvent<HTMLDivElement>) => {
    if (!timeline.data) return;
    const box = e.currentTarget.getBoundingClientRect();
    const at = nextRecorded(timeline.data, timeAtFraction(period, (e.clientX - box.left) / box.width));
    if (at) play(at);
  };

  const recorded = timeline.data?.ranges.length ?? 0;
  return (
    <div className="playback-panel">
      <div className="playback-toolbar">
        <label className="field">
          <span>From</span>
          <input
            type="datetime-local"
            value={toLocalInput(from)}
            onChange={(e) => {
              const d = fromLocalInput(e.target.value);
              if (d) setFrom(d);
            }}
          />
        </label>
        <div className="playback-windows" role="group" aria-label="Window length">
          {WINDOWS.map((m) => (
            <button key={m} type="button" className={m === minutes ? 'btn btn-small active' : 'btn btn-small'} onClick={() => setMinutes(m)}>
              {m < 60 ? `${m} min` : `${m / 60} h`}
            </button>
          ))}
        </div>
        <button type="button" className="btn btn-small" onClick={() => setFrom(startOfMinute(Date.now() - minutes * 60_000))}>
          Latest
        </button>
      </div>

      <ErrorBanner error={timeline.error} />
      <div className="playback-bar" onClick={onBarClick} title="Click to play from here" data-testid="playback-bar">
        {timeline.data &&
          barPieces(period, timeline.data).map((p) => (
            <div
              key={`${p.kind}-${p.from.getTime()}`}
              className={`playback-piece playback-${p.kind}`}
              style={{ left: `${p.left}%`, width: `${p.width}%` }}
              title={`${p.kind === 'gap' ? 'Not recorded' : 'Recorded'}: ${clock(p.from)} – ${clock(p.to)}`}
            />
          ))}
        {position && <div className="playback-head" style={{ left: `${percentAt(period, position)}%` }} />}
      </div>
      <div className="playback-scale muted">
        <span>{clock(period.from)}</span>
        <span>{timeline.loading ? 'Loading…' : recorded ? `${timeline.data!.segments} segments` : 'Nothing recorded in this period'}</span>
        <span>{clock(period.to)}</span>
      </div>

      <div className="playback-video">
        <video
          ref={videoRef}
          src={src ?? undefined}
          controls
          muted
          playsInline
          onLoadedMetadata={(e) => {
            if (seekTo.current) e.currentTarget.currentTime = fileSeconds(period, seekTo.current);
            seekTo.current = null;
            void e.currentTarget.play().catch(() => {});
          }}
          onTimeUpdate={(e) => setPosition(new Date(period.from.getTime() + e.currentTarget.currentTime * 1000))}
        />
        {!src && (
          <div className="playback-idle muted">
            <button type="button" className="btn btn-primary" disabled={!recorded} onClick={() => timeline.data && play(nextRecorded(timeline.data, period.from) ?? period.from)}>
              Play
            </button>
          </div>
        )}
        {position && <div className="playback-clock mono" data-time={position.toISOString()}>{position.toLocaleString()}</div>}
      </div>

      <ExportForm cameraId={cameraId} period={period} disabled={!recorded} />
    </div>
  );
}

function ExportForm({ cameraId, period, disabled }: { cameraId: string; period: PlaybackWindow; disabled: boolean }) {
  const [reason, setReason] = useState('');
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);

  // Poll the job until it ends; the server keeps its state, so a reload only loses the link.
  useEffect(() => {
    if (!job || job.status === 'done' || job.status === 'failed') return;
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      api<ExportJob>(`/api/exports/${job.id}`, { signal: ctrl.signal }).then(setJob, (err) => !ctrl.signal.aborted && setError(err));
    }, 1000);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [job]);

  const submit = async () => {
    setSending(true);
    setError(null);
    try {
      setJob(await api<ExportJob>(path(cameraId, 'exports'), { method: 'POST', body: { from: period.from.toISOString(), to: period.to.toISOString(), reason } }));
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };

  const busy = job && (job.status === 'pending' || job.status === 'running');
  return (
    <form
      className="playback-export"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="field">
        <span>Reason for export (required, recorded in the audit log)</span>
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} placeholder="e.g. FIR 112/2025, PS Saddar" />
      </label>
      <button type="submit" className="btn" disabled={disabled || sending || !!busy || !reason.trim()}>
        Export this period
      </button>
      <ErrorBanner error={error} />
      {job && (
        <div className="playback-job" data-status={job.status}>
          {busy && <progress max={1} value={job.progress} />}
          {job.status === 'failed' && <span className="playback-failed">Export failed: {job.error}</span>}
          {job.status === 'done' && (
            <>
              <a className="btn btn-small" href={`/api/exports/${job.id}/download?token=${encodeURIComponent(getToken() ?? '')}`} download>
                Download MP4 ({((job.bytes ?? 0) / 1e6).toFixed(1)} MB)
              </a>
              <span className="muted">SHA-256</span> <span className="mono playback-sha">{job.sha256}</span>
            </>
          )}
        </div>
      )}
    </form>
  );
}
