/**
 * Schema drift: an applied migration whose file changed or vanished. The database no longer
 * matches what the files describe, so nothing is applied and the pod does not start (the
 * boot gate of seed 000) until a person decides.
 */
import { BerthError, ExitCode } from '../errors.ts';
import type { MigrationFile } from './files.ts';
import type { JournalEntry } from './journal.ts';

export interface Drift {
  /** Applied, but the file's checksum differs now. */
  changed: string[];
  /** Applied, but the file is gone. */
  missing: string[];
}

export function findDrift(files: MigrationFile[], journal: JournalEntry[]): Drift {
  const byName = new Map(files.map((f) => [f.name, f]));
  const changed: string[] = [];
  const missing: string[] = [];
  for (const entry of journal) {
    const file = byName.get(entry.name);
    if (!file) missing.push(entry.name);
    else if (file.checksum !== entry.checksum) changed.push(entry.name);
  }
  return { changed, missing };
}

export function hasDrift(drift: Drift): boolean {
  return drift.changed.length > 0 || drift.missing.length > 0;
}

/**
 * There is deliberately no command that rewrites the journal: accepting an edited file is a
 * person's decision, made in SQL they can read.
 */
export const DRIFT_HINT =
  'Applied migrations must not be edited or deleted: restore the original files (git checkout -- FILE) and put the change in a new migration. Nothing was applied. ' +
  'If an edit is intentional and the database already matches it (e.g. a comment), accept it by recording the new checksum: `berth migrate status` prints the UPDATE for each changed file.';

/** The statement that accepts a changed file's current text as applied. */
export function acceptChangeSql(name: string, checksum: string): string {
  return `UPDATE berth.migrations SET checksum = '${checksum}' WHERE name = '${name.replaceAll("'", "''")}';`;
}

export class SchemaDriftError extends BerthError {
  readonly drift: Drift;

  constructor(drift: Drift) {
    const lines = [
      ...drift.changed.map((name) => `  changed since it was applied: ${name}`),
      ...drift.missing.map((name) => `  applied but the file is gone:  ${name}`),
    ];
    super(
      `schema drift: ${lines.length === 1 ? '1 applied migration no longer matches its file' : `${lines.length} applied migrations no longer match their files`}\n${lines.join('\n')}`,
      {
        exitCode: ExitCode.drift,
        hint: DRIFT_HINT,
      },
    );
    this.drift = drift;
  }
}
