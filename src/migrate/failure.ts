/** A migration that failed: its file, the line, and Postgres' own words; and the runner's other failures. */
import { BerthError } from '../errors.ts';
import { redactText } from '../redact.ts';
import { lineAt } from './split.ts';
import type { MigrationFile } from './files.ts';

interface PgError {
  message?: string;
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
}

/** `offset`: where the text sent to the server starts, relative to the file (negative when berth sent a prefix such as BEGIN). */
export function migrationFailed(error: unknown, file: MigrationFile, offset: number, applied: string[]): BerthError {
  const pg = (error ?? {}) as PgError;
  const position = Number(pg.position);
  const line = Number.isFinite(position) && position > 0 && Number.isFinite(offset) ? lineAt(file.sql, offset + position - 1) : undefined;
  const lines = [
    `Migration ${file.name} failed${line ? ` at line ${line}` : ''}: ${redactText(pg.message ?? String(error))}${pg.code ? ` (SQLSTATE ${pg.code})` : ''}`,
  ];
  // detail and where quote the failing values and statement: a connection string among them keeps its password out.
  if (pg.detail) lines.push(`  detail: ${redactText(pg.detail)}`);
  if (pg.where) lines.push(`  where: ${redactText(pg.where)}`);
  if (pg.hint) lines.push(`  postgres hint: ${redactText(pg.hint)}`);
  if (applied.length) lines.push(`  applied before it in this run: ${applied.join(', ')}`);
  const hint = file.transactional
    ? 'Its transaction was rolled back: nothing from this file was applied, and later migrations were not run. Fix the file and run again.'
    : 'It ran outside a transaction (-- berth:no-transaction): statements before the failing one took effect. Make the file safe to re-run (IF NOT EXISTS), then run again.';
  return new BerthError(lines.join('\n'), { hint, cause: error });
}

/** Anything not already explained (the journal, the lock) still reaches the user redacted and typed. */
export function runnerError(error: unknown): BerthError {
  if (error instanceof BerthError) return error;
  const e = error as { message?: string; code?: string };
  return new BerthError(`Migrations stopped: ${redactText(e?.message ?? String(error))}${e?.code ? ` (SQLSTATE ${e.code})` : ''}`, {
    hint: 'berth keeps its journal in the schema `berth`: the role needs CREATE on the database (an app role owns its database).',
    cause: error,
  });
}
