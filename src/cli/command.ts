/**
 * The contract between the CLI shell and each command. A command is defined next to its code
 * with `defineCommand`: metadata, typed options and the handler. Command modules stay light —
 * they import heavy libraries (the Kubernetes client, pg, zod) inside `run` — so `berth --help`
 * and `berth --version` start without loading them.
 */
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

type OptionValue<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean | undefined
  : O['multiple'] extends true
    ? string[] | undefined
    : string | undefined;

export type OptionValues<O extends Record<string, OptionSpec>> = { [K in keyof O]: OptionValue<O[K]> };

/** Flags every command accepts. */
export const GLOBAL_OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', description: 'config file (default: berth.config.{ts,mjs,json,yaml} in the current directory)' },
  context: { type: 'string', value: 'NAME', description: "kube context (default: cluster.context in the config, else the kubeconfig's current one)" },
  json: { type: 'boolean', description: 'print the result as JSON for scripts (long commands stream one JSON event per line)' },
  'no-color': { type: 'boolean', description: 'plain text without colour (also NO_COLOR=1)' },
  verbose: { type: 'boolean', short: 'v', description: 'show stack traces and more detail' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
} as const satisfies Record<string, OptionSpec>;

export interface CommandContext<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** Parsed flags, by long name, typed from the command's options. */
  options: OptionValues<O> & OptionValues<typeof GLOBAL_OPTIONS>;
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

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** One or two words: `render`, `db create`. */
  name: string;
  summary: string;
  /** Arguments after the command name, e.g. `APP` or `[APP...]` (a trailing `...` takes any number). */
  args?: string;
  description?: string;
  options: O;
  examples?: string[];
  /** Returns the exit code; undefined means success. */
  run(context: CommandContext<O>): Promise<number | void>;
}

/** Identity at run time; gives `run` its options typed from the declared flags. */
export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** A command with its option types erased, as the registry holds it. */
export type AnyCommand = CommandSpec<Record<string, OptionSpec>>;

/** How many positionals a command takes: undefined when unbounded (`[APP...]`). */
export function maxPositionals(spec: Pick<CommandSpec, 'args'>): number | undefined {
  if (!spec.args) return 0;
  const words = spec.args.split(' ');
  return words.some((w) => w.includes('...')) ? undefined : words.length;
}
