import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

// Where ffmpeg comes from: the system's (on PATH; distribution builds get security fixes) first, else
// the static build shipped in the npm package `@ffmpeg-installer/linux-x64`, which has no ffprobe.

export interface FfmpegBinaries {
  ffmpeg: string;
  /** Absent with the npm build, which ships ffmpeg alone. */
  ffprobe: string | null;
  /** As ffmpeg reports it: `5.1.9-0+deb12u1`, `N-47683-g0e8eb07980-static` … */
  version: string;
  source: 'configured' | 'system' | 'npm';
}

export interface LocateOptions {
  /** An ffmpeg chosen by the operator; when set nothing else is tried. */
  ffmpegPath?: string;
  /** The PATH to search; default process.env.PATH. */
  searchPath?: string;
  /** Skip the npm fallback (tests). */
  npmFallback?: boolean;
}

export class FfmpegNotFoundError extends Error {
  override name = 'FfmpegNotFoundError';
}

const run = promisify(execFile);

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable called `name` in the directories of a PATH string. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function npmFfmpeg(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@ffmpeg-installer/linux-x64/package.json');
    const candidate = join(dirname(pkg), 'ffmpeg');
    return isExecutable(candidate) ? candidate : null;
  } catch {
    return null;
  }
}

/** Runs `ffmpeg -version` and returns what follows "ffmpeg version"; throws if it does not run. */
export async function ffmpegVersion(ffmpeg: string): Promise<string> {
  const { stdout } = await run(ffmpeg, ['-hide_banner', '-version'], { timeout: 10_000 });
  const match = /^ff(?:mpeg|probe) version (\S+)/m.exec(stdout);
  if (!match) throw new Error(`${ffmpeg} -version printed no version line`);
  return match[1];
}

/** Finds ffmpeg (and ffprobe beside it or on PATH) and checks that it runs. */
export async function locateFfmpeg(options: LocateOptions = {}): Promise<FfmpegBinaries> {
  const searchPath = options.searchPath ?? process.env.PATH ?? '';
  const tried: string[] = [];
  const candidates: Array<{ path: string | null; source: FfmpegBinaries['source'] }> = options.ffmpegPath
    ? [{ path: options.ffmpegPath, source: 'configured' }]
    : [
        { path: findOnPath('ffmpeg', searchPath), source: 'system' },
        ...(options.npmFallback === false ? [] : [{ path: npmFfmpeg(), source: 'npm' as const }]),
      ];
  for (const { path, source } of candidates) {
    if (!path) continue;
    tried.push(path);
    let version: string;
    try {
      version = await ffmpegVersion(path);
    } catch {
      continue;
    }
    const beside = join(dirname(path), 'ffprobe');
    const ffprobe = isExecutable(beside) ? beside : findOnPath('ffprobe', searchPath);
    return { ffmpeg: path, ffprobe, version, source };
  }
  throw new FfmpegNotFoundError(
    tried.length
      ? `ffmpeg did not run (tried ${tried.join(', ')}); install ffmpeg (apt install ffmpeg)`
      : 'ffmpeg not found on PATH nor in @ffmpeg-installer/linux-x64; install ffmpeg (apt install ffmpeg)',
  );
}
