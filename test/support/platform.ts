import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.ts';
import { startPlatform, type Running } from '../../src/server.ts';

export const ADMIN_PASSWORD = 'admin-pass-1234';

export interface TestPlatform extends Running {
  dataDir: string;
  adminToken: string;
  /** Stops the platform (server, ingest, demo simulator) but keeps the data folder. */
  stop(): Promise<void>;
  /** Logs in and returns a bearer token. */
  login(username: string, password: string): Promise<string>;
}

/** The real platform on a temp data dir (embedded PGlite, in-process bus unless env says otherwise), on a free port. */
export async function startTestPlatform(options: { demo?: boolean; simulatedCameras?: number; env?: Record<string, string>; video?: string; yaml?: string } = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'safecity-test-'));
  // Simulated cameras cost CPU: only the tests that watch video ask for them. `video`: YAML lines of
  // the video section; `yaml`: more top-level sections.
  const video = options.video ? `video:\n${options.video.split('\n').map((l) => `  ${l}`).join('\n')}\n` : '';
  const yaml = `logLevel: warn\nserver:\n  host: 127.0.0.1\ndemo:\n  simulatedCameras: ${options.simulatedCameras ?? 0}\n${video}${options.yaml ?? ''}`;
  const config = parseConfig(yaml, {
    SAFECITY_DATA_DIR: dataDir,
    PORT: '0',
    SAFECITY_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...options.env,
  });
  const running = await startPlatform({ config, demo: options.demo ?? false });
  const login = async (username: string, password: string) => {
    const res = await fetch(`${running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login ${username}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  };
  const adminToken = await login('admin', ADMIN_PASSWORD);
  return {
    ...running,
    dataDir,
    adminToken,
    login,
    stop: () => running.close(),
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
