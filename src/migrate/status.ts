/** `berth migrate status`: applied, pending and drifted migrations, without taking the lock. */
import { withConnection } from '../postgres/connect.ts';
import { findDrift, type Drift } from './drift.ts';
import { readMigrationFiles } from './files.ts';
import { readJournal } from './journal.ts';
import { runnerError } from './failure.ts';

export interface StatusOptions {
  dir: string;
  cwd?: string;
  databaseUrl: string;
  urlSource: string;
}

export interface MigrationStatus {
  applied: { name: string; appliedAt: string; durationMs: number; state: 'ok' | 'changed' | 'missing' }[];
  pending: string[];
  drift: Drift;
  /** The current checksum of each changed file, to accept an intentional edit by hand. */
  changedChecksums: { name: string; checksum: string }[];
}

export async function migrationStatus(options: StatusOptions): Promise<MigrationStatus> {
  const files = await readMigrationFiles(options.dir, options.cwd);
  const journal = await withConnection(options.databaseUrl, { label: options.urlSource, applicationName: 'berth migrate status' }, (client) =>
    readJournal(client).catch((error: unknown) => {
      throw runnerError(error);
    }),
  );
  const drift = findDrift(files, journal);
  const done = new Set(journal.map((e) => e.name));
  return {
    applied: journal.map((e) => ({
      name: e.name,
      appliedAt: e.appliedAt.toISOString(),
      durationMs: e.durationMs,
      state: drift.missing.includes(e.name) ? 'missing' : drift.changed.includes(e.name) ? 'changed' : 'ok',
    })),
    pending: files.filter((f) => !done.has(f.name)).map((f) => f.name),
    drift,
    changedChecksums: files.filter((f) => drift.changed.includes(f.name)).map((f) => ({ name: f.name, checksum: f.checksum })),
  };
}
