// Camera URLs carry passwords (rtsp://admin:secret@10.0.0.5/…, http://cam/snap?user=a&pwd=secret) and
// ffmpeg echoes its input URL in errors, so every line that leaves the ingest goes through a redactor.

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s]+@/gi;
const SECRET_KEYS = 'password|passwd|pass|pwd|token|auth|key|secret|sig|signature';
const SECRET_PARAMS = new RegExp(`([?&;](?:${SECRET_KEYS})=)[^&\\s#]*`, 'gi');
const SECRET_KEY = new RegExp(`^(?:${SECRET_KEYS})$`, 'i');

/** Removes userinfo and password-like query parameters from every URL in `text`. */
export function redactCredentials(text: string): string {
  return text.replace(USERINFO, '$1***@').replace(SECRET_PARAMS, '$1***');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A redactor for lines about one source: it removes the generic patterns and also every literal
 * occurrence of that URL's password (raw and percent-decoded), however ffmpeg chose to print it.
 */
export function credentialRedactor(url: string): (text: string) => string {
  const secrets = new Set<string>();
  try {
    const u = new URL(url);
    const params = [...u.searchParams.entries()].filter(([k]) => SECRET_KEY.test(k)).map(([, v]) => v);
    for (const raw of [u.password, ...params]) {
      if (!raw) continue;
      secrets.add(raw);
      try {
        secrets.add(decodeURIComponent(raw));
      } catch {
        // not percent-encoded: the raw form is enough
      }
    }
  } catch {
    // a file path: nothing secret in it
  }
  // Short secrets would blank out ordinary words; the URL patterns still catch them inside URLs.
  const literal = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  const pattern = literal.length ? new RegExp(literal.map(escapeRegExp).join('|'), 'g') : null;
  return (text) => {
    const out = redactCredentials(text);
    return pattern ? out.replace(pattern, '***') : out;
  };
}
