/**
 * `berth migrate apply`: under the lock, check for drift, then apply each pending file in order,
 * each in its own transaction together with its journal row, so a migration and the record of
 * it commit or roll back as one.
 */
import { connect, type Client } from '../postgres/connect.ts';
import { BerthError, ExitCode } from '../errors.ts';
import { connectError } from '../postgres/errors.ts';
import { findDrift, hasDrift, SchemaDriftError } from './drift.ts';
import { migrationFailed, runnerError } from './failure.ts';
import { readMigrationFiles, type MigrationFile } from './files.ts';
import { ensureJournal, readJournal, recordApplied, recordAppliedSql } from './journal.ts';
import { withMigrationLock, type LockHolder } from './lock.ts';
import { lineAt, splitStatements, transactionControl } from './split.ts';

export interface ApplyEvents {
  onWait?: (holderPid: number | undefined, holder?: LockHolder) => void;
  onStart?: (file: MigrationFile) => void;
  onApplied?: (file: MigrationFile, durationMs: number) => void;
  /** A pending file sorts before one already applied (e.g. merged from a branch). */
  onOutOfOrder?: (file: MigrationFile, lastApplied: string) => void;
}

export interface ApplyOptions {
  dir: string;
  cwd?: string;
  databaseUrl: string;
  /** Where the URL came from, for messages (`DATABASE_URL`). */
  urlSource: string;
  events?: ApplyEvents;
  /** Stops waiting for the lock, and is checked between migrations: Ctrl-C never interrupts one halfway. */
  signal?: AbortSignal;
  /** How long to wait for another runner's lock (default 10 minutes), then exit 4. */
  lockTimeoutMs?: number;
  /** Lock poll interval, for tests. */
  lockPollMs?: number;
}

export interface ApplyResult {
  applied: { name: string; durationMs: number }[];
  /** Already in the journal before this run. */
  upToDate: number;
  lockWaitMs: number;
}

export async function applyMigrations(options: ApplyOptions): Promise<ApplyResult> {
  const files = await readMigrationFiles(options.dir, options.cwd);
  const client = await connect(options.databaseUrl, { label: options.urlSource, applicationName: 'berth migrate' });
  try {
    const lockOptions = { onWait: options.events?.onWait, signal: options.signal, timeoutMs: options.lockTimeoutMs, pollMs: options.lockPollMs };
    const { value, waitedMs } = await withMigrationLock(client, lockOptions, async () => {
      await ensureJournal(client);
      const journal = await readJournal(client);
      const drift = findDrift(files, journal);
      if (hasDrift(drift)) throw new SchemaDriftError(drift);
      const done = new Set(journal.map((e) => e.name));
      const last = journal
        .map((e) => e.name)
        .sort()
        .at(-1);
      const pending = files.filter((f) => !done.has(f.name));
      refuseTransactionControl(pending);
      const applied: ApplyResult['applied'] = [];
      for (const file of pending) {
        if (options.signal?.aborted) throw interrupted(applied.map((a) => a.name));
        if (last && file.name < last) options.events?.onOutOfOrder?.(file, last);
        options.events?.onStart?.(file);
        const durationMs = await applyOne(
          client,
          file,
          applied.map((a) => a.name),
        );
        applied.push({ name: file.name, durationMs });
        options.events?.onApplied?.(file, durationMs);
      }
      return { applied, upToDate: done.size };
    });
    return { ...value, lockWaitMs: waitedMs };
  } catch (error) {
    // A connection lost mid-run surfaces from a query; report it like a failed connect.
    if (isConnectionLoss(error)) throw connectError(error, { what: `${options.urlSource}` });
    throw runnerError(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const BEGIN = 'BEGIN;\n';

async function applyOne(client: Client, file: MigrationFile, appliedThisRun: string[]): Promise<number> {
  const started = performance.now();
  if (file.transactional) {
    // Two round trips per migration: BEGIN with the file, then the journal row with COMMIT.
    try {
      await client.query(`${BEGIN}${file.sql}`);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw migrationFailed(error, file, -BEGIN.length, appliedThisRun);
    }
    const durationMs = performance.now() - started;
    try {
      await client.query(`${recordAppliedSql(file.name, file.checksum, durationMs)};\nCOMMIT`);
    } catch (error) {
      // A deferred constraint fails only at COMMIT; the transaction is gone either way.
      await client.query('ROLLBACK').catch(() => {});
      throw migrationFailed(error, file, Number.NaN, appliedThisRun);
    }
    return durationMs;
  }
  for (const statement of splitStatements(file.sql)) {
    try {
      await client.query(statement.text);
    } catch (error) {
      throw migrationFailed(error, file, statement.offset, appliedThisRun);
    }
  }
  const durationMs = performance.now() - started;
  await recordApplied(client, file.name, file.checksum, durationMs);
  return durationMs;
}

/**
 * A transactional file with its own BEGIN/COMMIT would commit berth's transaction halfway: a
 * later error would leave part of it applied and no journal row. Refused before anything runs.
 */
function refuseTransactionControl(pending: MigrationFile[]): void {
  const found = pending.flatMap((file) =>
    file.transactional
      ? transactionControl(file.sql).map((s) => `  ${file.name} line ${lineAt(file.sql, s.offset)}: ${s.text.split(/\s+/).slice(0, 3).join(' ')}`)
      : [],
  );
  if (found.length === 0) return;
  throw new BerthError(`Transaction control in a migration that berth runs in a transaction:\n${found.join('\n')}`, {
    exitCode: ExitCode.usage,
    hint: 'berth wraps each file in one transaction with its journal row: remove the BEGIN/COMMIT lines, or put `-- berth:no-transaction` at the top of the file to run it statement by statement. Nothing was applied.',
  });
}

function interrupted(applied: string[]): BerthError {
  return new BerthError(`Interrupted after ${applied.length} migration${applied.length === 1 ? '' : 's'}${applied.length ? ` (${applied.join(', ')})` : ''}`, {
    exitCode: ExitCode.interrupted,
    hint: 'Every migration either applied fully or not at all; run again to continue.',
  });
}

function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === 'ECONNRESET' || e?.code === '57P01' || /Connection terminated/i.test(e?.message ?? '');
}
