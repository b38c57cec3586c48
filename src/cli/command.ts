/** The contract between the CLI shell and each command: metadata here, behaviour loaded lazily. */
import type { Readable } from 'node:stream';
import type { Output } from './output.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. ENV. */
  value?: string;
  description: string;
}

export interface CommandContext {
  /** Parsed flags, by long name. */
  options: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdin: Readable & { isTTY?: boolean };
  out: Output;
  /** --config as given, if any. */
  configFile: string | undefined;
  /** Aborted on Ctrl-C: long operations stop at a safe point. */
  signal: AbortSignal;
}

export interface CommandModule {
  /** Returns the exit code; undefined means success. */
  run(context: CommandContext): Promise<number | void>;
}

export interface CommandSpec {
  /** One or two words: `render`, `db create`. */
  name: string;
  summary: string;
  /** Arguments after the command name, e.g. `APP`. */
  args?: string;
  description?: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
  load(): Promise<CommandModule>;
}

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', short: 'c', value: 'FILE', description: 'config file (default: berth.config.{ts,mjs,json,yaml} in the current directory)' },
  json: { type: 'boolean', description: 'print the result as JSON for scripts' },
  'no-color': { type: 'boolean', description: 'plain text without colour (also NO_COLOR=1)' },
  verbose: { type: 'boolean', short: 'v', description: 'show stack traces and more detail' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
};
