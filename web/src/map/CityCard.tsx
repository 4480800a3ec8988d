import type { City } from '../api/types.ts';
import { Link } from '../app/Link.tsx';
import { FieldList } from '../ui/FieldList.tsx';
import { CardHeader } from './CardHeader.tsx';

export function CityCard({ city }: { city: City }) {
  return (
    <>
      <CardHeader kicker="City" title={city.name} />
      <FieldList
        compact
        rows={[
          ['Status', city.status],
          ['Sites', city.sites.toLocaleString('en')],
          ['Planned sites', city.plannedSites ? city.plannedSites.toLocaleString('en') : null],
          ['Cameras', city.cameras.toLocaleString('en')],
        ]}
      />
      <Link to="/cameras" query={{ city: city.id }} className="btn btn-primary btn-block">
        Cameras in {city.name}
      </Link>
    </>
  );
}
