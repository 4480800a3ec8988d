import { useState, type FormEvent } from 'react';
import { login } from '../api/auth.ts';
import { ApiError } from '../api/http.ts';
import { startSession } from './session.ts';

export function LoginPage({ notice }: { notice: string | null }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      startSession(await login(username.trim(), password));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <div className="login">
      <form className="login-form" onSubmit={submit} aria-label="Sign in">
        <div className="login-brand">safecity</div>
        <div className="login-sub">Control room console</div>
        {notice && !error && <div className="banner banner-info">{notice}</div>}
        {error && (
          <div className="banner banner-error" role="alert">
            {error}
          </div>
        )}
        <label className="field">
          <span>Username</span>
          <input name="username" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
