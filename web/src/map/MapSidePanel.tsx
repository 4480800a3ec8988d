import type { CameraStatus } from '../api/types.ts';
import { CameraCard } from './CameraCard.tsx';
import { CityCard } from './CityCard.tsx';
import type { NetworkData, Selection } from './network-data.ts';
import { SiteCard } from './SiteCard.tsx';

interface Props {
  data: NetworkData;
  selection: Selection;
  statusOf(id: string): CameraStatus | undefined;
  onClose(): void;
}

export function MapSidePanel({ data, selection, statusOf, onClose }: Props) {
  let body = null;
  if (selection.kind === 'camera') {
    const camera = data.camerasById.get(selection.id);
    if (camera) body = <CameraCard key={selection.id} camera={camera.props} status={statusOf(selection.id) ?? camera.props.status} />;
  } else if (selection.kind === 'site') {
    const site = data.sitesById.get(selection.id);
    if (site) body = <SiteCard site={site} />;
  } else {
    const city = data.citiesById.get(selection.id);
    if (city) body = <CityCard city={city} />;
  }
  if (!body) return null;
  return (
    <aside className="map-panel" aria-label="Selected feature">
      <button type="button" className="map-panel-close" aria-label="Close" onClick={onClose}>
        ×
      </button>
      {body}
    </aside>
  );
}
