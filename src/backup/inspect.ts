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
  /**
   * An extension's configuration table (pg_extension_config_dump): pg_dump dumps only its rows
   * matching this filter (`WHERE …`, or '' for all); the extension's own rows come back with
   * CREATE EXTENSION. Absent for ordinary tables.
   */
  condition?: string;
}

/**
 * The tables whose rows a dump carries: ordinary tables (leaf partitions included; a partitioned
 * parent holds no rows of its own) and extensions' configuration tables, with their filter. An
 * extension's other tables (PostGIS's spatial_ref_sys is a configuration table; many extensions
 * have plain ones) are never dumped: CREATE EXTENSION makes them, so they are not counted.
 */
export async function listTables(client: Client): Promise<TableRef[]> {
  const { rows } = await client.query(
    `SELECT n.nspname AS schema, c.relname AS name,
       (SELECT coalesce(e.extcondition[array_position(e.extconfig, c.oid)], '') FROM pg_extension e WHERE c.oid = ANY (e.extconfig)) AS condition,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') AS member
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND ${USER_SCHEMAS} ORDER BY 1, 2`,
  );
  return (rows as { schema: string; name: string; condition: string | null; member: boolean }[])
    .filter((t) => !t.member || t.condition !== null)
    .map((t) => (t.condition === null ? { schema: t.schema, name: t.name } : { schema: t.schema, name: t.name, condition: t.condition }));
}

export const tableKey = (table: TableRef) => `${table.schema}.${table.name}`;

/**
 * Exact counts of what a dump carries, one table at a time (a count per table keeps each
 * statement short). `all` counts an extension configuration table's every row, not just the
 * ones its filter lets pg_dump dump.
 */
export async function countRows(
  client: Client,
  tables: readonly TableRef[],
  signal?: AbortSignal,
  options: { all?: boolean } = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    signal?.throwIfAborted();
    // The filter is the extension script's own SQL, as pg_dump runs it.
    const filter = options.all ? '' : (table.condition ?? '');
    const { rows } = await client.query(`SELECT count(*)::bigint AS n FROM ${id(table.schema)}.${id(table.name)} ${filter}`);
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
