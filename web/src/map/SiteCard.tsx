import type { Site } from '../api/types.ts';
import { Link } from '../app/Link.tsx';
import { FieldList } from '../ui/FieldList.tsx';
import { CardHeader } from './CardHeader.tsx';

export function SiteCard({ site }: { site: Site }) {
  const planned = site.plannedCameras === null ? '' : ` of ${site.plannedCameras} planned`;
  return (
    <>
      <CardHeader kicker={`Site · ${site.code}`} title={site.name} />
      <FieldList
        compact
        rows={[
          ['Status', site.status],
          ['Cameras', `${site.cameraCount}${planned}`],
          ['Phase', site.phase],
          ['Address', site.address],
        ]}
      />
      <Link to="/cameras" query={{ siteId: site.id }} className="btn btn-primary btn-block">
        Cameras at this site
      </Link>
    </>
  );
}
