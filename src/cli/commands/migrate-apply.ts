import { applyMigrations } from '../../migrate/apply.ts';
import { chooseDatabaseUrl } from '../../migrate/database-url.ts';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../../migrate/lock.ts';
import { UsageError } from '../../errors.ts';
import type { CommandContext } from '../command.ts';

/** Works without a berth config: in the init container it has only DATABASE_URL and the files. */
export async function run(context: CommandContext): Promise<void> {
  const { out } = context;
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
        out.info(`waiting for the migration lock (held by ${pid ? `backend ${pid}${holder?.applicationName ? ` (${holder.applicationName})` : ''}` : 'another session'}: another replica is migrating; Ctrl-C stops waiting)`),
      onStart: (file) => out.info(`applying ${file.name}${file.transactional ? '' : ' (no transaction)'}`),
      onApplied: (file, ms) => out.info(`applied  ${file.name} in ${formatMs(ms)}`),
      onOutOfOrder: (file, last) => out.warn(`${file.name} sorts before ${last}, which is already applied; applying it anyway`),
    },
  });
  out.result({ ok: true, applied: result.applied, upToDate: result.upToDate, lockWaitMs: Math.round(result.lockWaitMs) });
  if (result.applied.length === 0) out.print(`Nothing to apply: ${result.upToDate} migration${result.upToDate === 1 ? '' : 's'} already applied`);
  else out.print(`Applied ${result.applied.length} migration${result.applied.length === 1 ? '' : 's'} (${result.upToDate} already applied before)`);
}

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
