/**
 * Migration files: every `*.sql` directly in the directory, applied in byte order of their names
 * (so zero-pad numeric prefixes: 0001_init.sql, 0002_users.sql; or use timestamps).
 * The checksum is sha256 of the text with line endings normalised, so a checkout with CRLF line
 * endings is not mistaken for an edit.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BerthError, ExitCode } from '../errors.ts';

export interface MigrationFile {
  name: string;
  path: string;
  sql: string;
  checksum: string;
  /** False when the file opts out with `-- berth:no-transaction` (e.g. CREATE INDEX CONCURRENTLY). */
  transactional: boolean;
}

export const NO_TRANSACTION_MARKER = '-- berth:no-transaction';

export async function readMigrationFiles(dir: string, cwd = process.cwd()): Promise<MigrationFile[]> {
  const root = resolve(cwd, dir);
  const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new BerthError(`Cannot read the migrations directory ${root}: ${error.code === 'ENOENT' ? 'it does not exist' : (error.code ?? error.message)}`, {
      exitCode: ExitCode.usage,
      hint: 'Pass --dir DIR, or run from the directory that holds ./migrations.',
    });
  });
  const names = entries.filter((e) => e.isFile() && e.name.endsWith('.sql')).map((e) => e.name);
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (name) => {
      const path = join(root, name);
      const sql = (await readFile(path, 'utf8')).replace(/\r\n/g, '\n');
      return { name, path, sql, checksum: checksum(sql), transactional: !hasNoTransactionMarker(sql) };
    }),
  );
}

export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** The marker counts among the comment lines at the top of the file, before any statement. */
export function hasNoTransactionMarker(sql: string): boolean {
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('--')) return false;
    if (trimmed.replace(/\s+/g, ' ').toLowerCase() === NO_TRANSACTION_MARKER) return true;
  }
  return false;
}
