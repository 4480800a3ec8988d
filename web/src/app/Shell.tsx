import { useEffect } from 'react';
import { me } from '../api/auth.ts';
import { updateUser, type Session } from '../auth/session.ts';
import { NavBar } from './NavBar.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';
import { matchPath, navigate, useLocation } from './router.ts';
import { DEFAULT_PATH, routes } from './routes.tsx';

export function Shell({ session }: { session: Session }) {
  const location = useLocation();

  // The stored token may have expired or been revoked while the tab was closed: ask once; a 401 ends it.
  useEffect(() => {
    const ctrl = new AbortController();
    me(ctrl.signal).then(updateUser, () => undefined);
    return () => ctrl.abort();
  }, [session.token]);

  useEffect(() => {
    if (location.path === '/') navigate(DEFAULT_PATH, undefined, { replace: true });
  }, [location.path]);

  let page = null;
  let fullBleed = false;
  let title = 'Not found';
  for (const route of routes) {
    const params = matchPath(route.pattern, location.path);
    if (params) {
      page = route.render({ params, query: location.query });
      fullBleed = route.fullBleed ?? false;
      title = route.title;
      break;
    }
  }

  useEffect(() => {
    document.title = `${title} · safecity`;
  }, [title]);

  return (
    <div className="shell">
      <NavBar user={session.user} path={location.path} />
      <main className={fullBleed ? 'content content-full' : 'content'}>
        {page ?? (location.path === '/' ? null : <NotFoundPage path={location.path} />)}
      </main>
    </div>
  );
}
