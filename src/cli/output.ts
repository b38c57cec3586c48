/**
 * Where commands write: people get colour and aligned text, scripts get one JSON document with
 * --json. Colour follows NO_COLOR / FORCE_COLOR and whether the stream is a terminal.
 */
import type { Writable } from 'node:stream';

export interface OutputOptions {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  json: boolean;
  noColor: boolean;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Colour = keyof typeof CODES;

export class Output {
  readonly json: boolean;
  readonly colour: boolean;
  readonly isTTY: boolean;
  private readonly stdout: OutputOptions['stdout'];
  /** For live progress displays that redraw lines on a terminal. */
  readonly stderr: OutputOptions['stderr'];

  constructor(options: OutputOptions) {
    this.stdout = options.stdout;
    this.stderr = options.stderr;
    this.json = options.json;
    this.isTTY = Boolean(options.stdout.isTTY);
    const forced = options.env.FORCE_COLOR !== undefined && options.env.FORCE_COLOR !== '0';
    const disabled = options.noColor || (options.env.NO_COLOR ?? '') !== '' || options.env.TERM === 'dumb';
    this.colour = !disabled && (forced || Boolean(options.stderr.isTTY));
  }

  paint(colour: Colour, text: string): string {
    return this.colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
  }

  /** The command's result, on stdout: text for people. Suppressed under --json. */
  print(text = ''): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  /** Raw bytes to stdout whatever the mode (YAML from `render`, for example). */
  write(text: string): void {
    this.stdout.write(text);
  }

  /** The command's result for scripts, printed once at the end under --json. */
  result(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * One event of a long command (deploy, backup) for scripts: under --json each is a line of
   * JSON on stdout, written as it happens (NDJSON), and the closing `result` is the last line.
   */
  event(type: string, fields: Record<string, unknown> = {}): void {
    if (this.json) this.stdout.write(`${JSON.stringify({ event: type, time: new Date().toISOString(), ...fields })}\n`);
  }

  /** The closing line of an event stream under --json (compact, unlike `result`). */
  resultLine(value: Record<string, unknown>): void {
    if (this.json) this.stdout.write(`${JSON.stringify({ event: 'result', ...value })}\n`);
  }

  /** Progress and diagnostics, on stderr so they never mix into piped output. */
  info(text: string): void {
    if (!this.json) this.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.paint('yellow', 'warning')} ${text}\n`);
  }

  error(text: string): void {
    this.stderr.write(`${this.paint('red', 'error')} ${text}\n`);
  }
}
