/** Help text generated from command metadata, so it cannot drift from the flags parsed. */
import { BERTH_VERSION } from '../version.ts';
import { GLOBAL_OPTIONS, type AnyCommand, type OptionSpec } from './command.ts';
import { COMMANDS } from './registry.ts';

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `berth ${BERTH_VERSION} — deploys, databases and backups for apps on a small K3s cluster`,
    '',
    'Usage: berth <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options:',
    ...optionLines({ ...GLOBAL_OPTIONS, version: { type: 'boolean', description: 'print the version' } }),
    '',
    "Run `berth <command> --help` for a command's options.",
  ].join('\n');
}

export function commandHelp(spec: AnyCommand): string {
  const lines = [`berth ${spec.name}${spec.args ? ` ${spec.args}` : ''} — ${spec.summary}`, ''];
  if (spec.description) lines.push(spec.description, '');
  lines.push(`Usage: berth ${spec.name}${spec.args ? ` ${spec.args}` : ''} [options]`, '');
  if (Object.keys(spec.options).length) lines.push('Options:', ...optionLines(spec.options), '');
  lines.push('Global options:', ...optionLines(GLOBAL_OPTIONS));
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export function groupHelp(group: string, specs: AnyCommand[]): string {
  const width = Math.max(...specs.map((c) => c.name.length)) + 2;
  return [`Usage: berth ${group} <command> [options]`, '', 'Commands:', ...specs.map((c) => `  ${c.name.padEnd(width)}${c.summary}`)].join('\n');
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const entries = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return [flag, o.description] as const;
  });
  const width = Math.max(20, ...entries.map(([flag]) => flag.length + 2));
  return entries.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`);
}
