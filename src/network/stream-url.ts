// Camera stream URLs: which are acceptable, and how they look once their secrets are taken out.
// Stored URLs keep their credentials (the ingest needs them); nothing that leaves the server does.

export const STREAM_SCHEMES = ['rtsp', 'rtsps', 'http', 'https', 'file'] as const;
export const STREAM_ROLES = ['record', 'detect', 'live'] as const;
export type StreamRole = (typeof STREAM_ROLES)[number];

export const REDACTED = '***';

// Query parameters that cameras and NVRs commonly use to carry a secret.
const SECRET_PARAMS = /^(password|passwd|pass|pwd|token|access_token|key|api_key|apikey|secret|auth|signature|sig)$/i;

/** Why a stream URL is unacceptable, or null when it is fine. */
export function streamUrlProblem(url: string): string | null {
  if (url.length > 2000) return 'must be at most 2000 characters';
  if (/\s/.test(url)) return 'must not contain spaces (percent-encode them)';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (!(STREAM_SCHEMES as readonly string[]).includes(scheme)) {
    return `scheme "${scheme}" is not supported (use ${STREAM_SCHEMES.join(', ')})`;
  }
  if (scheme === 'file') {
    if (!u.pathname || u.pathname === '/') return 'file URL must name a file (file:///path/to/video.mp4)';
    return null;
  }
  if (!u.hostname) return `must name a host (${scheme}://host/path)`;
  return null;
}

/** The URL with any password and secret-looking query values replaced by `***`; the user name stays. */
export function redactStreamUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Never echo something we cannot take apart: it might be all secret.
    return '(invalid url)';
  }
  if (u.password) u.password = REDACTED;
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_PARAMS.test(key)) u.searchParams.set(key, REDACTED);
  }
  return u.toString();
}

/**
 * A console that shows a camera, edits it and sends it back sends the redacted URL. When the new URL
 * is the stored one with its password shown as `***`, keep the stored password rather than saving
 * the asterisks.
 */
export function keepRedactedSecrets(incoming: string, stored: string | undefined): string {
  if (!stored || !incoming.includes(REDACTED)) return incoming;
  return redactStreamUrl(stored) === incoming ? stored : incoming;
}

/** True when the URL still carries a `***` placeholder where a secret belongs. */
export function hasRedactedSecret(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.password === REDACTED || u.password === encodeURIComponent(REDACTED)) return true;
    for (const [key, value] of u.searchParams) if (SECRET_PARAMS.test(key) && value === REDACTED) return true;
    return false;
  } catch {
    return false;
  }
}
