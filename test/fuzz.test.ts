import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

// Garbage to every endpoint must get a 4xx (or a 2xx where the garbage happens to be acceptable),
// never a 5xx, and the server must stay up. Deterministic: a seeded generator.

let platform: TestPlatform;
before(async () => {
  platform = await startTestPlatform({ demo: true });
});
after(() => platform?.close());

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const SAMPLES: unknown[] = [
  null, true, false, 0, -1, 1e308, -1e308, 3.14, 2 ** 53 + 1, '', ' ', 'a'.repeat(10_000), '💥', '\u0000', '../../etc/passwd',
  "' or 1=1 --", '<script>alert(1)</script>', '2026-13-45T99:99:99Z', 'NaN', '{"a":1}', [], [1, 2, 3], {}, { $gt: '' },
  { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }, [null], [[[]]], { a: { b: { c: { d: {} } } } },
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function garbageObject(r: () => number, keys: string[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) obj[r() < 0.6 && keys.length ? pick(r, keys) : `unknown_${Math.floor(r() * 100)}`] = pick(r, SAMPLES);
  return obj;
}

test('2,000+ garbage requests to every endpoint get no 5xx and the server stays healthy', async () => {
  const spec = (await (await fetch(`${platform.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> };
  const routes: Array<{ method: string; path: string; keys: string[] }> = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    // Logging out would revoke the token the rest of the run uses.
    if (path === '/api/auth/logout') continue;
    for (const [method, op] of Object.entries(methods)) {
      const props = op?.requestBody?.content?.['application/json']?.schema?.properties ?? {};
      const params = (op?.parameters ?? []).map((p: any) => p.name);
      routes.push({ method: method.toUpperCase(), path, keys: [...Object.keys(props), ...params] });
    }
  }
  assert.ok(routes.length >= 10, `expected the API to have routes, found ${routes.length}`);

  const r = rng(20261124);
  const failures: string[] = [];
  const counts = new Map<number, number>();
  const total = Math.max(2000, routes.length * 40);
  const ids = ['x', '0', '-1', '%00', 'a%00b', "'; drop table cameras; --", '%00', 'a'.repeat(500), '..%2F..%2F', '00000000-0000-0000-0000-000000000000'];
  for (let i = 0; i < total; i++) {
    const route = routes[i % routes.length];
    const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(pick(r, ids)));
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(garbageObject(r, route.keys))) query.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    const kind = Math.floor(r() * 7);
    const headers: Record<string, string> = {};
    if (r() < 0.85) headers.authorization = `Bearer ${platform.adminToken}`;
    else if (r() < 0.5) headers.authorization = pick(r, ['Bearer', 'Basic abc', 'Bearer sct_forged', 'Bearer ' + 'x'.repeat(5000)]);
    let payload: string | Buffer | undefined;
    switch (kind) {
      case 0: // wrong types for known fields + unknown fields
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(garbageObject(r, route.keys));
        break;
      case 1: // broken JSON
        headers['content-type'] = 'application/json';
        payload = pick(r, ['{', '{"a":', '[1,2', 'nul', '{"a":1}}', '\u0000\u0001', '{"__proto__":{"x":1}}', '"unterminated']);
        break;
      case 2: // huge body
        headers['content-type'] = 'application/json';
        payload = JSON.stringify({ big: 'x'.repeat(2 * 1024 * 1024) });
        break;
      case 3: // a top-level non-object
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(pick(r, SAMPLES));
        break;
      case 4: // odd content types
        headers['content-type'] = pick(r, ['text/csv', 'application/xml', 'multipart/form-data; boundary=x', 'application/geo+json', 'text/plain', 'application/octet-stream']);
        payload = pick(r, ['a,b,c\n1,2', '<x/>', '--x\r\n', '{"type":"FeatureCollection","features":[{}]}', Buffer.from([0xff, 0xfe, 0x00])]) as string | Buffer;
        break;
      case 5: // deeply nested JSON
        headers['content-type'] = 'application/json';
        payload = '['.repeat(5000) + ']'.repeat(5000);
        break;
      default:
        payload = undefined;
    }
    const method = route.method === 'GET' || route.method === 'DELETE' ? route.method : route.method;
    const res = await platform.platform.app.inject({
      method: method as any,
      url: `${path}${query.size ? `?${query}` : ''}`,
      headers,
      payload: method === 'GET' ? undefined : payload,
    });
    counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) failures.push(`${method} ${path} (kind ${kind}) -> ${res.statusCode} ${res.body.slice(0, 200)}`);
    else if (res.statusCode >= 400) {
      const body = res.json() as { error?: string; message?: string };
      if (!body.message) failures.push(`${method} ${path} -> ${res.statusCode} without a message: ${res.body.slice(0, 200)}`);
      if (/\bat .*\.(ts|js):\d+/.test(res.body)) failures.push(`${method} ${path} -> stack trace leaked`);
    }
  }
  const health = await fetch(`${platform.url}/api/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(({} as any).polluted, undefined);
  console.log(`fuzz: ${total} requests over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
  assert.deepEqual(failures.slice(0, 20), []);
});
