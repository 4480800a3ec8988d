import { Link } from './Link.tsx';
import { DEFAULT_PATH } from './routes.tsx';

export function NotFoundPage({ path }: { path: string }) {
  return (
    <div className="page">
      <h1>Not found</h1>
      <p className="muted">
        There is no screen at <code>{path}</code>. <Link to={DEFAULT_PATH}>Go to the map</Link>.
      </p>
    </div>
  );
}
