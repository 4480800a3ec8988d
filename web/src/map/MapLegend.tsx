import type { LiveState } from '../api/events.ts';
import { CAMERA_STATUSES } from '../api/types.ts';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import type { StatusCounts } from './use-live-camera-status.ts';

interface Props {
  counts: StatusCounts;
  live: LiveState;
  layers: { sites: boolean; cities: boolean };
  onToggle(layer: 'sites' | 'cities', visible: boolean): void;
}

const LIVE_TEXT: Record<LiveState, string> = {
  open: 'Live',
  connecting: 'Connecting…',
  closed: 'Live updates paused, retrying',
};

const fmt = new Intl.NumberFormat('en');

export function MapLegend({ counts, live, layers, onToggle }: Props) {
  const total = CAMERA_STATUSES.reduce((n, s) => n + counts[s], 0);
  return (
    <div className="map-legend" data-testid="map-legend">
      <div className="legend-head">
        <span>{fmt.format(total)} cameras</span>
        <span className={`live live-${live}`}>{LIVE_TEXT[live]}</span>
      </div>
      {CAMERA_STATUSES.map((s) => (
        <div key={s} className="legend-row">
          <StatusBadge status={s} />
          <span className="legend-count">{fmt.format(counts[s])}</span>
        </div>
      ))}
      <div className="legend-layers">
        <label>
          <input type="checkbox" checked={layers.sites} onChange={(e) => onToggle('sites', e.target.checked)} /> Sites
        </label>
        <label>
          <input type="checkbox" checked={layers.cities} onChange={(e) => onToggle('cities', e.target.checked)} /> Cities
        </label>
      </div>
    </div>
  );
}
