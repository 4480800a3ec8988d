import type { LiveState } from '../api/events.ts';
import { CAMERA_STATUSES } from '../api/types.ts';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { TOGGLABLE_LAYERS, type ToggleKey } from './network-layers.ts';
import type { StatusCounts } from './use-live-camera-status.ts';

interface Props {
  counts: StatusCounts;
  live: LiveState;
  layers: Record<ToggleKey, boolean>;
  onToggle(layer: ToggleKey, visible: boolean): void;
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
        {(Object.keys(TOGGLABLE_LAYERS) as ToggleKey[]).map((key) => (
          <label key={key}>
            <input type="checkbox" checked={layers[key]} onChange={(e) => onToggle(key, e.target.checked)} /> {TOGGLABLE_LAYERS[key].label}
          </label>
        ))}
      </div>
    </div>
  );
}
