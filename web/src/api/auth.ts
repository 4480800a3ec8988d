import { api } from './http.ts';
import type { LoginResponse, User } from './types.ts';

export function login(username: string, password: string): Promise<LoginResponse> {
  return api<LoginResponse>('/api/auth/login', { method: 'POST', body: { username, password }, authenticated: false });
}

export function me(signal?: AbortSignal): Promise<User> {
  return api<User>('/api/me', { signal });
}
