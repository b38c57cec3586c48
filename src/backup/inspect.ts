/**
 * What berth reads from a database around a dump or a restore: its tables' exact row counts, its
 * migration journal and a fingerprint of its schema. During a dump these run inside the snapshot
 * pg_dump uses, so the counts describe exactly the data in the archive.
 */
import { createHash } from 'node:crypto';
import { escapeIdentifier as id, type Client } from '../postgres/connect.ts';
import type { Compatibility, SchemaState } from './meta.ts';

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

export interface TableRef {
  schema: string;
  name: string;
}

/** Ordinary tables (leaf partitions included; a partitioned parent holds no rows of its own). */
export async function listTables(client: Client): Promise<TableRef[]> {
  const { rows } = await client.query(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND ${USER_SCHEMAS} ORDER BY 1, 2`,
  );
  return rows as TableRef[];
}

export const tableKey = (table: TableRef) => `${table.schema}.${table.name}`;

/** Exact counts, one table at a time (a count per table keeps each statement short). */
export async function countRows(client: Client, tables: readonly TableRef[], signal?: AbortSignal): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    signal?.throwIfAborted();
    const { rows } = await client.query(`SELECT count(*)::bigint AS n FROM ${id(table.schema)}.${id(table.name)}`);
    counts[tableKey(table)] = Number(rows[0].n);
  }
  return counts;
}

export async function schemaState(client: Client): Promise<SchemaState> {
  const { rows: columns } = await client.query(
    `SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMAS} AND n.nspname <> 'berth'
     ORDER BY 1, 2, a.attnum`,
  );
  const fingerprint = createHash('sha256')
    .update(columns.map((c) => `${c.nspname}.${c.relname}.${c.attname}:${c.type}${c.attnotnull ? '!' : ''}`).join('\n'))
    .digest('hex');
  const journal = await client.query(`SELECT to_regclass('berth.migrations') IS NOT NULL AS yes`);
  if (!journal.rows[0]?.yes) return { migrations: null, fingerprint };
  const { rows } = await client.query(`SELECT count(*)::int AS count, max(name) AS latest FROM berth.migrations`);
  const count = rows[0]?.count ?? 0;
  return { migrations: count > 0 ? { count, latest: rows[0].latest } : null, fingerprint };
}

/**
 * Can the backup's data run under the app's current code? Compared with the live database's
 * schema state: the same latest migration (or fingerprint) is compatible; an older latest
 * migration means the restore must migrate forward; anything else is unknown.
 */
export function compatibility(backup: SchemaState | undefined, current: SchemaState | undefined): Compatibility {
  if (!backup || !current) return 'unknown';
  if (backup.migrations && current.migrations) {
    if (backup.migrations.latest === current.migrations.latest) return 'compatible';
    if (backup.migrations.latest < current.migrations.latest) return 'needs-migration';
    return 'unknown';
  }
  // A journal on one side only: the runner cannot tell what the other side's schema is.
  if (backup.migrations || current.migrations) return 'unknown';
  return backup.fingerprint === current.fingerprint ? 'compatible' : 'unknown';
}
