import { UsageError } from '../../../errors.ts';
// lock.ts is light (no pg at run time), so the default is read from where the lock uses it.
import { DEFAULT_LOCK_TIMEOUT_MS } from '../../../migrate/lock.ts';
import { defineCommand } from '../../command.ts';

export const MIGRATE_OPTIONS = {
  dir: { type: 'string', value: 'DIR', description: 'directory of *.sql migrations (default: ./migrations)' },
  'database-url': {
    type: 'string',
    value: 'URL',
    description: 'database to migrate (default: $DATABASE_DIRECT_URL, then $DATABASE_URL; prefer the env var: argv is visible in ps)',
  },
} as const;

/** Works without a berth config: in the init container it has only DATABASE_URL and the files. */
export default defineCommand({
  name: 'migrate apply',
  summary: 'apply pending SQL migrations under an advisory lock (no berth config needed)',
  description:
    'Files: *.sql in DIR, applied in name order, each in a transaction that berth opens and commits (so files must not contain BEGIN/COMMIT; a leading `-- berth:no-transaction` opts out). Journal: berth.migrations. Exit code 5 on schema drift: restore the applied file, or add a new migration; `berth migrate status` shows the statement to accept an intended change.',
  options: {
    ...MIGRATE_OPTIONS,
    'lock-timeout': { type: 'string', value: 'SECONDS', description: 'give up waiting for the migration lock (default 600; exit 4)' },
  },
  examples: ['DATABASE_URL=postgres://… berth migrate apply', 'berth migrate apply --dir db/migrations'],
  async run(context) {
    const { out } = context;
    const [{ applyMigrations }, { chooseDatabaseUrl }] = await Promise.all([import('../../../migrate/apply.ts'), import('../../../migrate/database-url.ts')]);
    const choice = chooseDatabaseUrl(stringOption(context.options['database-url']), context.env);
    if (choice.passwordInArgv) out.warn('a password in --database-url is visible to other users of this machine (ps); prefer DATABASE_URL');
    const dir = stringOption(context.options.dir) ?? './migrations';
    const result = await applyMigrations({
      dir,
      cwd: context.cwd,
      databaseUrl: choice.url,
      urlSource: choice.source,
      signal: context.signal,
      lockTimeoutMs: lockTimeout(context.options['lock-timeout']),
      events: {
        onWait: (pid, holder) =>
          out.info(
            `waiting for the migration lock (held by ${pid ? `backend ${pid}${holder?.applicationName ? ` (${holder.applicationName})` : ''}` : 'another session'}: another replica is migrating; Ctrl-C stops waiting)`,
          ),
        onStart: (file) => out.info(`applying ${file.name}${file.transactional ? '' : ' (no transaction)'}`),
        onApplied: (file, ms) => out.info(`applied  ${file.name} in ${formatMs(ms)}`),
        onOutOfOrder: (file, last) => out.warn(`${file.name} sorts before ${last}, which is already applied; applying it anyway`),
      },
    });
    out.result({ ok: true, applied: result.applied, upToDate: result.upToDate, lockWaitMs: Math.round(result.lockWaitMs) });
    if (result.applied.length === 0) out.print(`Nothing to apply: ${result.upToDate} migration${result.upToDate === 1 ? '' : 's'} already applied`);
    else out.print(`Applied ${result.applied.length} migration${result.applied.length === 1 ? '' : 's'} (${result.upToDate} already applied before)`);
  },
});

/** `--lock-timeout SECONDS` (registered in the command's options); default 600. */
export function lockTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_LOCK_TIMEOUT_MS;
  const seconds = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--lock-timeout must be a positive number of seconds, not "${String(value)}"`, { hint: 'e.g. --lock-timeout 600 (the default).' });
  }
  return seconds * 1000;
}

export function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
