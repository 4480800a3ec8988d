import { useSyncExternalStore } from 'react';
import type { LoginResponse, User } from '../api/types.ts';

// The login token lives in sessionStorage: it survives a reload of the tab but not closing it, and
// is not shared between tabs, which is what a shared control-room workstation wants.

const KEY = 'safecity.session';

export interface Session {
  token: string;
  expiresAt: string;
  user: User;
}

interface State {
  session: Session | null;
  /** Why the last session ended, shown once on the login screen. */
  notice: string | null;
}

function isLive(s: Session): boolean {
  const expires = Date.parse(s.expiresAt);
  return Number.isNaN(expires) || expires > Date.now();
}

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return typeof s?.token === 'string' && s.user && isLive(s) ? s : null;
  } catch {
    return null;
  }
}

let state: State = { session: load(), notice: null };
const listeners = new Set<() => void>();

function set(next: State) {
  state = next;
  if (next.session) sessionStorage.setItem(KEY, JSON.stringify(next.session));
  else sessionStorage.removeItem(KEY);
  for (const l of listeners) l();
}

export function getToken(): string | null {
  return state.session?.token ?? null;
}

export function startSession(login: LoginResponse) {
  set({ session: { token: login.token, expiresAt: login.expiresAt, user: login.user }, notice: null });
}

export function updateUser(user: User) {
  if (state.session) set({ ...state, session: { ...state.session, user } });
}

/** Ends the session; `notice` says why (e.g. the server answered 401), or null when the user signed out. */
export function endSession(notice: string | null = null) {
  if (!state.session && state.notice === notice) return;
  set({ session: null, notice });
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useAuthState(): State {
  return useSyncExternalStore(subscribe, () => state);
}
