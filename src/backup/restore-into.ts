/**
 * Restoring an archive into a new, empty database beside the live one — never into the live one.
 * The database is created owned by the app's role, loaded by pg_restore in one transaction as
 * that role, its sha256 checked as it streams, and every table's rows counted against the
 * sidecar. Any failure drops the new database; the live one was never touched.
 */
import { randomBytes } from 'node:crypto';
import { checkExit, start } from '../exec/spawn.ts';
import { databaseComment, type DatabaseIdentity } from '../model/database-names.ts';
import { connect, escapeIdentifier as id, escapeLiteral as literal, withConnection } from '../postgres/connect.ts';
import { findTool, libpqEnv, requireAtLeast } from '../postgres/tools.ts';
import type { ObjectStore } from '../store/store.ts';
import { BackupError, rootCause } from './failure.ts';
import { countRows, listTables, tableKey } from './inspect.ts';
import type { BackupMeta } from './meta.ts';
import { streamArchive } from './read-archive.ts';

export interface RestoreIntoRequest {
  adminUrl: string;
  identity: DatabaseIdentity;
  /** The new database's name; it must not exist. */
  database: string;
  store: ObjectStore;
  meta: BackupMeta;
  /** The comment marking the new database (defaults to "restoring"). */
  purpose: string;
  signal?: AbortSignal;
}

const ADMIN = { label: 'the admin connection', applicationName: 'berth backup restore' };

/** A database name beside `base`: `<base>_<tag>`, cut to Postgres' 63 bytes. */
export function asideName(base: string, tag: string): string {
  return `${base.slice(0, 63 - tag.length - 1)}_${tag}`;
}

export function randomTag(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString('hex')}`;
}

/** The comment on a database berth made beside an app's: never the plain ownership marker. */
export function asideComment(identity: Pick<DatabaseIdentity, 'app' | 'environment'>, purpose: string): string {
  return `${databaseComment(identity)} ${purpose}`;
}

export async function restoreInto(request: RestoreIntoRequest): Promise<{ durationMs: number; database: string }> {
  const { identity, database, meta, signal } = request;
  const started = Date.now();
  const pgRestore = await findTool('pg_restore');
  if (meta.versions.pgDump) {
    try {
      requireAtLeast(
        pgRestore,
        'pg_restore',
        { major: Number(meta.versions.pgDump.split('.')[0]), version: meta.versions.pgDump },
        'the pg_dump that wrote this archive',
      );
    } catch (error) {
      throw new BackupError('VERSION_MISMATCH', (error as Error).message, { hint: (error as { hint?: string }).hint, exitCode: 2 });
    }
  }
  await withConnection(request.adminUrl, { ...ADMIN, database: 'postgres' }, async (admin) => {
    await admin.query(`CREATE DATABASE ${id(database)} OWNER ${id(identity.role)}`);
    await admin.query(`COMMENT ON DATABASE ${id(database)} IS ${literal(asideComment(identity, request.purpose))}`);
    await admin.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${id(database)} FROM PUBLIC`);
  });
  try {
    const env = libpqEnv(request.adminUrl, { label: ADMIN.label, database, applicationName: ADMIN.applicationName });
    // As the app's role, so every object belongs to it, as in the live database.
    const restore = start(
      [pgRestore.path, '--no-owner', `--role=${identity.role}`, '--exit-on-error', '--single-transaction', '--no-password', `--dbname=${database}`],
      {
        env,
        stdin: 'pipe',
        secrets: [env.PGPASSWORD],
        signal,
      },
    );
    let streamError: unknown;
    try {
      await streamArchive(request.store, meta, restore.stdin!, signal);
    } catch (error) {
      streamError = error;
      restore.kill();
    }
    const exit = await restore.exited;
    if (streamError instanceof BackupError && streamError.code !== 'FAILED') throw streamError;
    checkExit(exit, 'pg_restore', { code: 'PG_RESTORE_FAILED' });
    if (streamError) throw streamError;
    await checkCounts(request.adminUrl, identity, database, meta);
    return { durationMs: Date.now() - started, database };
  } catch (error) {
    await dropDatabase(request.adminUrl, database).catch(() => {});
    throw rootCause([error], signal);
  }
}

async function checkCounts(adminUrl: string, identity: DatabaseIdentity, database: string, meta: BackupMeta): Promise<void> {
  const client = await connect(adminUrl, { ...ADMIN, database });
  try {
    const { rows } = await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    if (!rows[0]?.rolsuper) await client.query(`SET ROLE ${id(identity.role)}`);
    const tables = await listTables(client);
    const counts = await countRows(client, tables);
    const expected = meta.tables ?? {};
    for (const table of new Set([...Object.keys(expected), ...Object.keys(counts)])) {
      if (counts[table] === expected[table]) continue;
      // Backups taken before berth knew extension configuration tables counted every row of them.
      const configTable = tables.find((t) => t.condition !== undefined && tableKey(t) === table);
      const allRows = configTable && (await countRows(client, [configTable], undefined, { all: true }))[table];
      if (allRows === undefined || allRows !== expected[table]) {
        throw new BackupError(
          'ROW_COUNT_MISMATCH',
          `The restored ${table} has ${counts[table] ?? 'no'} rows; the backup recorded ${expected[table] ?? 'no such table'}`,
        );
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  await withConnection(adminUrl, { ...ADMIN, database: 'postgres' }, (admin) => admin.query(`DROP DATABASE IF EXISTS ${id(database)} WITH (FORCE)`));
}
