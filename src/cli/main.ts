/**
 * The CLI shell: finds the command, parses its flags, runs it, and is the one error boundary
 * that turns errors into messages and exit codes. Commands are imported lazily.
 */
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { BerthError, ConfigError, ExitCode, UsageError } from '../errors.ts';
import { redactText } from '../redact.ts';
import { closest } from '../suggest.ts';
import { BERTH_VERSION } from '../version.ts';
import { GLOBAL_OPTIONS, maxPositionals, type AnyCommand, type OptionSpec } from './command.ts';
import { commandHelp, groupHelp, mainHelp } from './help.ts';
import { Output } from './output.ts';
import { COMMANDS, findCommand, groupCommands } from './registry.ts';

export interface CliIo {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: Readable & { isTTY?: boolean };
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean };
  signal?: AbortSignal;
}

export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const wantsJson = argv.includes('--json');
  const out = new Output({ stdout, stderr, env, json: wantsJson, noColor: argv.includes('--no-color') });
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    return await dispatch(argv, out, { ...io, env });
  } catch (error) {
    return reportError(error, out, verbose);
  }
}

async function dispatch(argv: string[], out: Output, io: CliIo & { env: Record<string, string | undefined> }): Promise<number> {
  const words = commandWords(argv);
  if (argv[0] === '--version' || (argv.length === 1 && argv[0] === '-V')) {
    out.write(`${BERTH_VERSION}\n`);
    return ExitCode.ok;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const topic = argv[0] === 'help' ? argv.slice(1) : [];
    const found = topic.length ? findCommand(topic) : undefined;
    out.write(`${found ? commandHelp(found.spec) : mainHelp()}\n`);
    return ExitCode.ok;
  }
  // The shell completion script's question: candidates for the last word, one per line.
  if (argv[0] === '__complete') {
    const { completeWords } = await import('./complete-words.ts');
    for (const candidate of await completeWords(argv.slice(1), io.cwd ?? process.cwd())) out.write(`${candidate}\n`);
    return ExitCode.ok;
  }
  const found = findCommand(words);
  if (!found) {
    const group = words[0] ? groupCommands(words[0]) : [];
    if (group.length) {
      if (argv.includes('--help') || argv.includes('-h') || words.length === 1) {
        out.write(`${groupHelp(words[0]!, group)}\n`);
        return words.length === 1 && !argv.includes('--help') && !argv.includes('-h') ? ExitCode.usage : ExitCode.ok;
      }
      const sub = words[1] ?? '';
      const guess = closest(
        sub,
        group.map((c) => c.name.split(' ')[1]!),
      );
      throw new UsageError(`Unknown command "${words[0]} ${sub}"${guess ? ` — did you mean "${words[0]} ${guess}"?` : ''}`, {
        hint: `${words[0]} commands: ${group.map((c) => c.name).join(', ')}.`,
      });
    }
    const typed = words[0] ?? argv[0] ?? '';
    const guess = closest(typed, [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))]);
    throw new UsageError(`Unknown command "${typed}"${guess ? ` — did you mean "${guess}"?` : ''}`, {
      hint: `Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Run \`berth --help\`.`,
    });
  }
  const { spec } = found;
  const parsed = parse(spec, argv);
  if (parsed.options.help) {
    out.write(`${commandHelp(spec)}\n`);
    return ExitCode.ok;
  }
  const expected = maxPositionals(spec);
  if (expected !== undefined && parsed.positionals.length > expected) {
    const extra = parsed.positionals.slice(expected);
    throw new UsageError(
      `Unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(', ')} (berth ${spec.name}${spec.args ? ` ${spec.args}` : ''})`,
      {
        hint: `Run \`berth ${spec.name} --help\` for its usage.`,
      },
    );
  }
  const controller = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, controller.signal]) : controller.signal;
  const code = await spec.run({
    options: parsed.options as never,
    positionals: parsed.positionals,
    cwd: io.cwd ?? process.cwd(),
    env: io.env,
    stdin: io.stdin ?? process.stdin,
    out,
    configFile: typeof parsed.options.config === 'string' ? parsed.options.config : undefined,
    signal,
  });
  return code ?? ExitCode.ok;
}

/** Words that are not flags or the values of global flags given before the command. */
function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg === '-c' || arg === '--context') i++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words;
}

function parse(spec: AnyCommand, argv: string[]) {
  // Remove the command words wherever they sit among the flags.
  const rest = [...argv];
  for (const word of spec.name.split(' ')) rest.splice(rest.indexOf(word), 1);
  const options: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...spec.options };
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; allowPositionals: true; strict: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${message} (berth ${spec.name})`, { hint: `Run \`berth ${spec.name} --help\` for its options.` });
  }
  // parseArgs keeps the last of a repeated flag; `-e production -e qa` is more likely a mistake.
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.multiple || options[token.name]?.type === 'boolean') continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} was given more than once (berth ${spec.name})`, { hint: 'Give it once.' });
    seen.add(token.name);
  }
  return { options: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals };
}

function reportError(error: unknown, out: Output, verbose: boolean): number {
  if (error instanceof BerthError) {
    out.error(error.message);
    if (error.hint) out.info(`${out.paint('gray', 'hint')}  ${error.hint}`);
    if (verbose && error.stack) out.info(out.paint('gray', error.stack));
    const issues = error instanceof ConfigError ? { file: error.file, issues: error.issues } : {};
    if (out.json) out.result({ ok: false, error: { type: error.name, message: error.message, hint: error.hint, exitCode: error.exitCode, ...issues } });
    return error.exitCode;
  }
  // An error nobody translated may quote a connection string: mask any password in it.
  const message = redactText(error instanceof Error ? error.message : String(error));
  out.error(`unexpected failure: ${message}`);
  if (verbose && error instanceof Error && error.stack) out.info(out.paint('gray', redactText(error.stack)));
  else out.info(`${out.paint('gray', 'hint')}  Run again with --verbose for details, and report it if it persists.`);
  if (out.json) out.result({ ok: false, error: { type: 'InternalError', message, exitCode: ExitCode.failure } });
  return ExitCode.failure;
}
