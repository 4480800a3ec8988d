import { LoginPage } from '../auth/LoginPage.tsx';
import { useAuthState } from '../auth/session.ts';
import { Shell } from './Shell.tsx';

export function App() {
  const { session, notice } = useAuthState();
  if (!session) return <LoginPage notice={notice} />;
  return <Shell session={session} />;
}
