/** Runs the CLI in-process with captured output, as a user would see it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runCli } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export async function cli(argv: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough();
  stdin.end(options.input);
  const code = await runCli(argv, { cwd: options.cwd ?? process.cwd(), env: { NO_COLOR: '1', ...options.env }, stdout, stderr, stdin });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'berth-test-'));
}
