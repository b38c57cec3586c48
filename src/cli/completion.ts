/**
 * Shell completion: `berth completion bash|zsh|fish` prints a script that asks
 * `berth __complete WORD…` for candidates — commands, flags, and app, process, cron task and
 * environment names read from the config in the current directory (or --config).
 */
import { GLOBAL_OPTIONS, type AnyCommand } from './command.ts';
import { COMMANDS, findCommand } from './registry.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return `# berth completion for bash: eval "$(berth completion bash)" in ~/.bashrc
_berth() {
  local IFS=$'\\n'
  COMPREPLY=($(berth __complete "\${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _berth berth
`;
    case 'zsh':
      return `#compdef berth
# berth completion for zsh: eval "$(berth completion zsh)" in ~/.zshrc (after compinit)
_berth() {
  local -a candidates
  candidates=("\${(@f)$(berth __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -- "\${candidates[@]}"
}
compdef _berth berth
`;
    case 'fish':
      return `# berth completion for fish: berth completion fish > ~/.config/fish/completions/berth.fish
complete -c berth -f -a '(berth __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`;
  }
}

/** What the config offers for completion. */
export interface Names {
  apps: { name: string; processes: string[]; cron: string[] }[];
  environments: string[];
}

/** Candidates for the last word, given the words before it. Pure. */
export function candidates(words: string[], names: Names | undefined): string[] {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const previous = before.at(-1);
  const match = (options: string[]) => options.filter((o) => o.startsWith(current));
  const positional = before.filter((w, i) => !w.startsWith('-') && !isFlagValue(before, i));
  const found = findCommand(positional);
  if (previous === '--env' || previous === '-e' || previous === '--from' || previous === '--to') return match(names?.environments ?? []);
  if (previous === '--config' || previous === '-c') return [];
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${positional[0]} `));
    if (positional.length === 1 && group.length) return match(group.map((c) => c.name.split(' ')[1]!));
    if (positional.length === 0) return match([...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))]);
    return [];
  }
  if (current.startsWith('-')) return match(flags(found.spec));
  return match(argumentCandidates(found.spec, names));
}

function isFlagValue(words: string[], index: number): boolean {
  const flag = words[index - 1];
  if (!flag?.startsWith('-')) return false;
  const name = flag.replace(/^-+/, '');
  const all = Object.entries({ ...GLOBAL_OPTIONS, ...Object.assign({}, ...COMMANDS.map((c) => c.options)) }) as [string, { type: string; short?: string }][];
  return all.some(([long, spec]) => (long === name || spec.short === name) && spec.type === 'string');
}

function flags(spec: AnyCommand): string[] {
  return Object.keys({ ...spec.options, ...GLOBAL_OPTIONS }).map((f) => `--${f}`);
}

function argumentCandidates(spec: AnyCommand, names: Names | undefined): string[] {
  const args = spec.args ?? '';
  if (!names || !/APP|ENV/.test(args)) return [];
  if (/APP\/TASK/.test(args)) return names.apps.flatMap((a) => a.cron.map((t) => `${a.name}/${t}`));
  // Only logs reads a cron task's runs as APP/TASK; restart and scale act on processes.
  const tasks = (a: Names['apps'][number]) => (spec.name === 'logs' ? a.cron.map((t) => `${a.name}/${t}`) : []);
  if (/APP\[\/PROCESS\]/.test(args)) return names.apps.flatMap((a) => [a.name, ...a.processes.map((p) => `${a.name}/${p}`), ...tasks(a)]);
  return names.apps.map((a) => a.name);
}
