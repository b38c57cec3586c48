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

export class SchemaDriftError extends BerthError {
  readonly drift: Drift;

  constructor(drift: Drift) {
    const lines = [
      ...drift.changed.map((name) => `  changed since it was applied: ${name}`),
      ...drift.missing.map((name) => `  applied but the file is gone:  ${name}`),
    ];
    super(`schema drift: ${lines.length === 1 ? '1 applied migration no longer matches its file' : `${lines.length} applied migrations no longer match their files`}\n${lines.join('\n')}`, {
      exitCode: ExitCode.drift,
      hint: 'Applied migrations must not be edited or deleted: restore the original files and put the change in a new migration. Nothing was applied.',
    });
    this.drift = drift;
  }
}
