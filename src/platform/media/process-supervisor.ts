import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { findOnPath, isExecutable } from './ffmpeg.ts';
import { everySecond } from './ticker.ts';

// A child process kept alive: restarted with exponential backoff when it exits, killed and
// restarted when it stops making progress, stopped with SIGTERM then SIGKILL. Every child is in a
// process-wide registry so that none outlives this process:
//  - on process 'exit' the registry SIGKILLs whatever is left;
//  - on SIGINT/SIGTERM with no other listener the registry stops them all and exits;
//  - children stay in node's session, where util-linux's setpriv exists with PR_SET_PDEATHSIG=SIGKILL,
//    so the kernel kills them even when node itself is SIGKILLed. Not in a session of their own:
//    on kernels with scheduler autogroups (Debian's default) each session is scheduled as a group,
//    and measured that way every camera's ffmpeg cost 10-15 % more CPU. A terminal's Ctrl-C reaches
//    them too: ffmpeg takes SIGINT as "finish", closing its last segment, and node stops the rest.
//    The death signal follows the thread that spawned: spawn from the main thread only.

export interface BackoffOptions {
  /** First delay after a failed run. */
  initialMs: number;
  /** The delay doubles per failed run up to this. */
  maxMs: number;
  /** A run that lasted this long counts as good: the next delay starts again from initialMs. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, stableMs: 30_000 };

/** Delay before restart number `failures` (0 = first restart after a good run). */
export function backoffDelay(failures: number, backoff: BackoffOptions): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures, 30));
}

export type RunEndReason = 'exited' | 'stalled' | 'spawn-failed' | 'restarted' | 'stopped';

export interface RunEnd {
  /** 1 for the first run. */
  run: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: RunEndReason;
  runMs: number;
  /** Milliseconds until the next run starts; null when the supervisor was stopped. */
  restartInMs: number | null;
  error?: Error;
}

export interface SupervisorOptions {
  /** For messages; must hold no secret. */
  name: string;
  command: string;
  /** Evaluated at every start, so a restart can change them. */
  args: readonly string[] | (() => readonly string[]);
  env?: NodeJS.ProcessEnv;
  /** Working directory; a function is called at every start, after `args`. */
  cwd?: string | (() => string | undefined);
  /** 'pipe': the owner reads child.stdout in onStart (and must keep reading it). Default 'ignore'. */
  stdout?: 'pipe' | 'ignore';
  /** Extra pipes from the child at fd 3, 4, … (child.stdio[3] …). */
  extraPipes?: number;
  /** No markProgress() for this long (from start, or since the last one) kills and restarts the child. 0: no watchdog. */
  stallTimeoutMs?: number;
  /** SIGTERM, then SIGKILL after this long. Default 5000. */
  stopTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Kill the child when this process dies, even by SIGKILL (Linux, setpriv). Default true. */
  dieWithParent?: boolean;
  onStart?(child: ChildProcess, run: number): void;
  /** Each line the child writes to stderr. */
  onStderrLine?(line: string): void;
  onRunEnd?(end: RunEnd): void;
}

type State = 'idle' | 'running' | 'waiting' | 'stopping' | 'stopped';

const children = new Set<ChildProcess>();
let hooksInstalled = false;
let setprivPath: string | null | undefined;

function setpriv(): string | null {
  if (setprivPath === undefined) setprivPath = findOnPath('setpriv', `${process.env.PATH ?? ''}:/usr/bin:/bin`);
  return setprivPath;
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      // Another listener (the server's graceful shutdown) owns the exit and stops its supervisors.
      if (process.listenerCount(signal) > 1) return;
      void terminateAll().finally(() => process.exit(128 + constants.signals[signal]));
    };
    process.on(signal, onSignal);
  }
}

/** Pids of every supervised child alive in this process. */
export function supervisedPids(): number[] {
  return [...children].map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
}

/** SIGTERMs every supervised child, SIGKILLs those still alive after `timeoutMs`. */
export async function terminateAll(timeoutMs = 3000): Promise<void> {
  const alive = [...children];
  await Promise.all(alive.map((child) => terminate(child, timeoutMs)));
}

function terminate(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Calls `onLine` with each line of a child's output (without its \n or \r\n). Lighter than
 * readline, which matters with hundreds of children: chunks are split with indexOf, and a line
 * longer than 64 KiB is cut there rather than buffered without end.
 */
export function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    let text = rest + chunk;
    let at = text.indexOf('\n');
    while (at >= 0) {
      onLine(text.charCodeAt(at - 1) === 13 ? text.slice(0, at - 1) : text.slice(0, at));
      text = text.slice(at + 1);
      at = text.indexOf('\n');
    }
    if (text.length > 65_536) {
      onLine(text);
      text = '';
    }
    rest = text;
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

export class SupervisedProcess {
  private state: State = 'idle';
  private child?: ChildProcess;
  private runs = 0;
  private failures = 0;
  private startedAt = 0;
  private lastProgressAt = 0;
  private endReason?: RunEndReason;
  private spawnError?: Error;
  private stopWatchdog?: () => void;
  private restartTimer?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  private stopped?: Promise<void>;
  private resolveStopped?: () => void;
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: SupervisorOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  get pid(): number | undefined {
    return this.state === 'running' ? this.child?.pid : undefined;
  }

  /** Runs started so far. */
  get runCount(): number {
    return this.runs;
  }

  get status(): State {
    return this.state;
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`${this.options.name}: already started`);
    installHooks();
    this.spawnRun();
  }

  /** The child made progress: the watchdog starts counting again. */
  markProgress(): void {
    this.lastProgressAt = Date.now();
  }

  /** Ends the current run and starts the next at once, without counting it as a failure. */
  restart(): void {
    if (this.state === 'waiting') {
      clearTimeout(this.restartTimer);
      this.spawnRun();
    } else if (this.state === 'running') {
      this.kill('restarted');
    }
  }

  /** Stops for good: SIGTERM, SIGKILL after stopTimeoutMs; resolves once the child is gone. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    clearTimeout(this.restartTimer);
    if (this.state === 'running') {
      this.state = 'stopping';
      this.kill('stopped');
    } else {
      this.state = 'stopped';
      this.resolveStopped!();
    }
    return this.stopped;
  }

  private spawnRun(): void {
    this.runs++;
    this.state = 'running';
    this.endReason = undefined;
    this.spawnError = undefined;
    this.startedAt = this.lastProgressAt = Date.now();
    const { options } = this;
    let args: readonly string[];
    let cwd: string | undefined;
    try {
      args = typeof options.args === 'function' ? options.args() : options.args;
      cwd = typeof options.cwd === 'function' ? options.cwd() : options.cwd;
    } catch (err) {
      this.spawnError = err as Error;
      setImmediate(() => this.onClose(null, null));
      return;
    }
    if (options.command.includes('/') && !isExecutable(options.command)) {
      this.spawnError = new Error(`${options.name}: ${options.command} is not an executable file`);
      setImmediate(() => this.onClose(null, null));
      return;
    }
    const wrapper = options.dieWithParent === false ? null : setpriv();
    const [command, argv] = wrapper ? [wrapper, ['--pdeathsig', 'KILL', options.command, ...args]] : [options.command, [...args]];
    const stdio: StdioOptions = ['ignore', options.stdout ?? 'ignore', 'pipe', ...Array<'pipe'>(options.extraPipes ?? 0).fill('pipe')];
    const child = spawn(command, argv, { stdio, env: options.env, cwd });
    this.child = child;
    let closed = false;
    child.on('error', (err) => {
      this.spawnError ??= err;
    });
    child.on('close', (code, signal) => {
      if (closed) return;
      closed = true;
      this.onClose(code, signal);
    });
    if (child.pid !== undefined) children.add(child);
    if (child.stderr) onLines(child.stderr, (line) => options.onStderrLine?.(line));
    if (options.stallTimeoutMs) {
      const period = Math.max(50, Math.min(1000, options.stallTimeoutMs / 4));
      let lastCheck = Date.now();
      const check = (): void => {
        const now = Date.now();
        // After the event loop was blocked, timers run before the I/O that piled up meanwhile (the
        // child's progress among it): a late check judges nothing, the next one will.
        const late = now - lastCheck > period * 2;
        lastCheck = now;
        if (!late && this.state === 'running' && now - this.lastProgressAt > options.stallTimeoutMs!) this.kill('stalled');
      };
      // Timeouts of 4 s and more (every camera's) are checked on the shared once-a-second tick.
      if (period >= 1000) this.stopWatchdog = everySecond(check);
      else {
        const timer = setInterval(check, period);
        this.stopWatchdog = () => clearInterval(timer);
      }
    }
    if (child.pid !== undefined) options.onStart?.(child, this.runs);
  }

  private kill(reason: RunEndReason): void {
    const child = this.child;
    if (!child || this.endReason === 'stopped') return;
    if (!this.endReason || reason === 'stopped') this.endReason = reason;
    if (this.killTimer) return;
    child.kill('SIGTERM');
    this.killTimer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs ?? 5000);
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.stopWatchdog?.();
    this.stopWatchdog = undefined;
    clearTimeout(this.killTimer);
    this.killTimer = undefined;
    if (this.child) children.delete(this.child);
    this.child = undefined;
    const runMs = Date.now() - this.startedAt;
    const reason: RunEndReason = this.spawnError && !this.endReason ? 'spawn-failed' : (this.endReason ?? 'exited');
    let restartInMs: number | null = null;
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.state = 'stopped';
    } else if (reason === 'restarted') {
      restartInMs = 0;
    } else {
      if (runMs >= this.backoff.stableMs) this.failures = 0;
      restartInMs = backoffDelay(this.failures++, this.backoff);
    }
    try {
      this.options.onRunEnd?.({ run: this.runs, code, signal, reason, runMs, restartInMs, error: this.spawnError });
    } finally {
      if (restartInMs === null) {
        this.resolveStopped?.();
      } else {
        this.state = 'waiting';
        this.restartTimer = setTimeout(() => this.spawnRun(), restartInMs);
      }
    }
  }
}
