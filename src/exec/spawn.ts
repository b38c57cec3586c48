/**
 * The one place berth starts other programs (pg_dump, pg_restore). Argv arrays only, never a
 * shell; secrets travel in the child's environment, never in argv. Every exit is checked: a
 * non-zero code, a signal or a spawn error is a failure carrying the tail of stderr (redacted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../errors.ts';
import { redactText } from '../redact.ts';

export interface StartOptions {
  /** Added to a minimal inherited environment (PATH, HOME, LANG). */
  env?: Record<string, string | undefined>;
  /** 'pipe' to write to the child, else its stdin is /dev/null. */
  stdin?: 'pipe' | 'ignore';
  /** 'pipe' to read the child's output, else it is discarded. */
  stdout?: 'pipe' | 'ignore';
  /** Values to scrub from stderr before it reaches a message. */
  secrets?: readonly (string | undefined)[];
  /** Killed (SIGTERM, then SIGKILL) when aborted. */
  signal?: AbortSignal;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last 16 kB of stderr, redacted. */
  stderr: string;
}

export interface Started {
  child: ChildProcess;
  stdin: Writable | null;
  stdout: Readable | null;
  /** Resolves when the process has exited and its pipes closed; never rejects. */
  exited: Promise<ProcessExit & { spawnError?: Error }>;
  /** Ends the process (SIGTERM, SIGKILL after 5 s). */
  kill(): void;
}

const STDERR_KEEP = 16 * 1024;
const PASSED_THROUGH = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

export function start(argv: readonly string[], options: StartOptions = {}): Started {
  const [command, ...args] = argv;
  if (!command) throw new TypeError('start: empty argv');
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  const child = spawn(command, args, { env, stdio: [options.stdin ?? 'ignore', options.stdout ?? 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
  });
  // A write to a child that died raises EPIPE on its stdin; the exit code reports the failure.
  child.stdin?.on('error', () => {});
  let killTimer: NodeJS.Timeout | undefined;
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  };
  options.signal?.addEventListener('abort', kill, { once: true });
  const exited = new Promise<ProcessExit & { spawnError?: Error }>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
      // 'close' may never come when the program could not be started at all.
      if (child.pid === undefined) resolve({ code: null, signal: null, stderr: '', spawnError });
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', kill);
      resolve({ code, signal, stderr: redactText(stderr, options.secrets ?? []), spawnError });
    });
  });
  return { child, stdin: child.stdin, stdout: child.stdout, exited, kill };
}

/** Throws when the exit is anything but a clean 0. `what` names the program for the message. */
export function checkExit(exit: ProcessExit & { spawnError?: Error }, what: string, options: { code?: string } = {}): void {
  if (exit.spawnError && exit.code === null && exit.signal === null) {
    const missing = (exit.spawnError as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ProcessError(`${what} could not be started: ${missing ? 'program not found' : exit.spawnError.message}`, exit, options.code);
  }
  if (exit.code === 0) return;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  throw new ProcessError(`${what} ${how}${exit.stderr.trim() ? `: ${lastLines(exit.stderr)}` : ''}`, exit, options.code);
}

/** A program that failed; `code` is a stable reason code for records (PG_DUMP_FAILED…). */
export class ProcessError extends BerthError {
  readonly exit: ProcessExit;
  readonly code: string | undefined;
  constructor(message: string, exit: ProcessExit, code?: string) {
    super(message);
    this.exit = exit;
    this.code = code;
  }
}

/** Runs to completion and returns stdout (small outputs: versions, lists). */
export async function runCapture(argv: readonly string[], options: Omit<StartOptions, 'stdout'> & { input?: string } = {}): Promise<string> {
  const started = start(argv, { ...options, stdout: 'pipe', stdin: options.input === undefined ? 'ignore' : 'pipe' });
  let out = '';
  started.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  if (options.input !== undefined) started.stdin?.end(options.input);
  const exit = await started.exited;
  checkExit(exit, argv[0]!.split('/').pop()!);
  return out;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n');
}
