// Process spawning and progress output for the test environment.
// Commands are argv arrays; nothing goes through a shell.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Append stdout and stderr here instead of buffering them (for long builds). */
  logFile?: string;
  /** Written to the child's stdin, then closed. */
  input?: string;
  /** Kill the command (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly output: string;

  constructor(argv: readonly string[], exitCode: number | null, output: string) {
    const tail = output.trim().split('\n').slice(-30).join('\n');
    super(`${argv.join(' ')} exited with ${exitCode ?? 'a signal'}\n${tail}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.exitCode = exitCode;
    this.output = output;
  }
}

/** Runs a command to completion; rejects with the tail of its output on failure. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      log?.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      log?.write(chunk);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on('error', (error) => {
      log?.end();
      reject(error);
    });
    child.on('close', (code) => {
      log?.end();
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(argv, code, stdout + stderr));
    });
  });
}

const started = Date.now();

function elapsed(since: number): string {
  const seconds = (Date.now() - since) / 1000;
  return seconds < 60 ? `${seconds.toFixed(1)}s` : `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
}

/** Progress goes to stderr so `up` can print only the export lines on stdout. */
export function say(message: string): void {
  process.stderr.write(`[testenv +${elapsed(started)}] ${message}\n`);
}

/**
 * Runs one named step, printing when it starts and how long it took; with
 * `heartbeat`, also once a minute while it runs (for long compiles).
 */
export async function step<T>(name: string, fn: () => Promise<T>, { heartbeat = false } = {}): Promise<T> {
  const t0 = Date.now();
  say(`${name} ...`);
  const timer = heartbeat ? setInterval(() => say(`${name}: still running (${elapsed(t0)})`), 60_000) : undefined;
  try {
    const result = await fn();
    say(`${name}: done in ${elapsed(t0)}`);
    return result;
  } finally {
    clearInterval(timer);
  }
}
