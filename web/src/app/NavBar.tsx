import type { User } from '../api/types.ts';
import { endSession } from '../auth/session.ts';
import { href } from './router.ts';
import { NAV_GROUPS, routes } from './routes.tsx';

function isActive(pattern: string, path: string): boolean {
  return path === pattern || path.startsWith(`${pattern}/`);
}

export function NavBar({ user, path }: { user: User; path: string }) {
  return (
    <nav className="nav" aria-label="Main">
      <div className="nav-brand">safecity</div>
      {NAV_GROUPS.map((group) => {
        const entries = routes.filter((r) => r.nav?.group === group);
        if (!entries.length) return null;
        return (
          <div className="nav-group" key={group}>
            <div className="nav-group-title">{group}</div>
            {entries.map((r) => (
              <a key={r.pattern} href={href(r.pattern)} className={isActive(r.pattern, path) ? 'nav-link active' : 'nav-link'}>
                {r.nav!.label}
              </a>
            ))}
          </div>
        );
      })}
      <div className="nav-user">
        <div className="nav-user-name" title={user.scopePath}>
          {user.displayName || user.username}
        </div>
        <div className="nav-user-role">{user.role}</div>
        <button type="button" className="btn btn-small" onClick={() => endSession()}>
          Sign out
        </button>
      </div>
    </nav>
  );
}
