/**
 * Every command berth has. Only metadata lives here; a command's code is imported when it runs,
 * so `berth --version` and `berth --help` start without loading Kubernetes or Postgres clients.
 */
import type { CommandSpec } from './command.ts';

const ENV_OPTION = { type: 'string', short: 'e', value: 'ENV', description: 'environment (default: the first one in the config)' } as const;

const MIGRATE_OPTIONS = {
  dir: { type: 'string', value: 'DIR', description: 'directory of *.sql migrations (default: ./migrations)' },
  'database-url': { type: 'string', value: 'URL', description: 'database to migrate (default: $DATABASE_DIRECT_URL, then $DATABASE_URL; prefer the env var: argv is visible in ps)' },
} as const;

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
      platform: { type: 'boolean', description: 'the shared objects of every environment instead (the CloudNativePG server)' },
    },
    examples: ['berth render --env staging', 'berth render --app api --tag prod-20260301.4', 'berth render --env production --out deploy/production', 'berth render --platform --out deploy/platform'],
    load: () => import('./commands/render.ts'),
  },
  {
    name: 'db create',
    summary: "create an app's database, login role and DATABASE_URL Secret (idempotent)",
    args: 'APP',
    description: 'Database and role are both named <app>_<env>, or <app>__<env> with "-" written as "_" when a name has a dash (so no two apps can meet). Objects berth did not create are never taken over. CONNECT is revoked from PUBLIC, so no other app can connect.',
    options: { env: ENV_OPTION },
    examples: ['berth db create api --env production'],
    load: () => import('./commands/db-create.ts'),
  },
  {
    name: 'db list',
    summary: 'list the databases berth created, with owner, size and connections',
    options: { env: { ...ENV_OPTION, description: 'only this environment (default: all)' } },
    load: () => import('./commands/db-list.ts'),
  },
  {
    name: 'db url',
    summary: "print an app's DATABASE_URL (only to a terminal, or with --reveal)",
    args: 'APP',
    options: { env: ENV_OPTION, reveal: { type: 'boolean', description: 'print it even when stdout is not a terminal' } },
    examples: ['psql "$(berth db url api --reveal)"'],
    load: () => import('./commands/db-url.ts'),
  },
  {
    name: 'db rotate',
    summary: "give an app's role a new password, update its Secret and roll its pods",
    args: 'APP',
    description: 'The old password stops working at once: pods still running on it fail new connections until the rollout replaces them.',
    options: { env: { ...ENV_OPTION, description: 'environment (required when the config has several)' } },
    load: () => import('./commands/db-rotate.ts'),
  },
  {
    name: 'db drop',
    summary: "drop an app's database, role and Secret (asks you to type the app name)",
    args: 'APP',
    options: {
      env: { ...ENV_OPTION, description: 'environment (required when the config has several)' },
      yes: { type: 'string', value: 'APP', description: 'confirm without a prompt by naming the app again' },
      force: { type: 'boolean', description: 'drop even while Deployments of the app run (terminates their sessions)' },
    },
    examples: ['berth db drop old-api --env staging', 'berth db drop old-api --env staging --yes old-api'],
    load: () => import('./commands/db-drop.ts'),
  },
  {
    name: 'migrate apply',
    summary: 'apply pending SQL migrations under an advisory lock (no berth config needed)',
    description:
      'Files: *.sql in DIR, applied in name order, each in a transaction that berth opens and commits (so files must not contain BEGIN/COMMIT; a leading `-- berth:no-transaction` opts out). Journal: berth.migrations. Exit code 5 on schema drift: restore the applied file, or add a new migration; `berth migrate status` shows the statement to accept an intended change.',
    options: { ...MIGRATE_OPTIONS, 'lock-timeout': { type: 'string', value: 'SECONDS', description: 'give up waiting for the migration lock (default 600; exit 4)' } },
    examples: ['DATABASE_URL=postgres://… berth migrate apply', 'berth migrate apply --dir db/migrations'],
    load: () => import('./commands/migrate-apply.ts'),
  },
  {
    name: 'migrate status',
    summary: 'show applied and pending migrations; exit code 5 on schema drift',
    options: MIGRATE_OPTIONS,
    load: () => import('./commands/migrate-status.ts'),
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
