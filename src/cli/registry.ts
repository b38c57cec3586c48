/**
 * Every command berth has. Only metadata lives here; a command's code is imported when it runs,
 * so `berth --version` and `berth --help` start without loading Kubernetes or Postgres clients.
 */
import type { CommandSpec } from './command.ts';

const ENV_OPTION = { type: 'string', short: 'e', value: 'ENV', description: 'environment (default: the first one in the config)' } as const;

export const COMMANDS: CommandSpec[] = [
  {
    name: 'init',
    summary: 'write a commented starter berth.config.ts',
    options: {
      force: { type: 'boolean', description: 'overwrite an existing config file' },
      format: { type: 'string', value: 'ts|json|yaml', description: 'file format (default: ts)' },
    },
    load: () => import('./commands/init.ts'),
  },
  {
    name: 'validate',
    summary: 'check the config and report every problem with its field path',
    options: {},
    examples: ['berth validate', 'berth validate --config deploy/berth.config.yaml --json'],
    load: () => import('./commands/validate.ts'),
  },
  {
    name: 'render',
    summary: 'print the Kubernetes objects for an environment, or write them for GitOps',
    options: {
      env: ENV_OPTION,
      app: { type: 'string', short: 'a', multiple: true, value: 'APP', description: 'only this app (repeatable)' },
      tag: { type: 'string', short: 't', multiple: true, value: '[APP=]TAG', description: 'image tag, for all apps or one app (repeatable)' },
      output: { type: 'string', short: 'o', value: 'yaml|json', description: 'output format (default: yaml)' },
      out: { type: 'string', value: 'DIR', description: 'write one file per object and a kustomization.yaml into DIR' },
    },
    examples: ['berth render --env staging', 'berth render --app api --tag prod-20260301.4', 'berth render --env production --out deploy/production'],
    load: () => import('./commands/render.ts'),
  },
];

export function findCommand(words: string[]): { spec: CommandSpec; consumed: number } | undefined {
  const two = words.slice(0, 2).join(' ');
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo && words.length >= 2) return { spec: byTwo, consumed: 2 };
  const byOne = COMMANDS.find((c) => c.name === words[0]);
  return byOne ? { spec: byOne, consumed: 1 } : undefined;
}

/** Command groups such as `db` that only exist through their subcommands. */
export function groupCommands(word: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${word} `));
}
