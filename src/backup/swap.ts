/**
 * Putting a restored database in the live one's place. `ALTER DATABASE … RENAME` fails while
 * anyone is connected, and sessions reconnect quickly, so: new connections to the live database
 * are refused first (ALLOW_CONNECTIONS false), its sessions terminated, and both renames run in
 * one transaction — retried briefly while terminated sessions finish exiting. Whatever happens,
 * the database that ends up under the live name accepts connections again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseComment, type DatabaseIdentity } from '../model/database-names.ts';
import { escapeIdentifier as id, escapeLiteral as literal, withConnection, type Client } from '../postgres/connect.ts';
import { statementError } from '../postgres/errors.ts';
import { asideComment } from './restore-into.ts';

const OBJECT_IN_USE = '55006';

export interface SwapResult {
  /** Where the old live database went. */
  previous: string;
  terminatedSessions: number;
}

export async function swapDatabases(adminUrl: string, identity: DatabaseIdentity, restored: string, previous: string, purpose: string): Promise<SwapResult> {
  const live = identity.database;
  return withConnection(adminUrl, { label: 'the admin connection', applicationName: 'berth backup restore', database: 'postgres' }, async (admin) => {
    let terminated = 0;
    await admin.query(`ALTER DATABASE ${id(live)} ALLOW_CONNECTIONS false`);
    let swapped = false;
    try {
      for (let attempt = 0; ; attempt++) {
        terminated += await terminate(admin, [live, restored]);
        try {
          await admin.query('BEGIN');
          await admin.query(`ALTER DATABASE ${id(live)} RENAME TO ${id(previous)}`);
          await admin.query(`ALTER DATABASE ${id(restored)} RENAME TO ${id(live)}`);
          await admin.query('COMMIT');
          swapped = true;
          break;
        } catch (error) {
          await admin.query('ROLLBACK').catch(() => {});
          if ((error as { code?: string }).code !== OBJECT_IN_USE || attempt >= 50) throw statementError(error, `swap ${restored} into ${live}`);
          await sleep(100);
        }
      }
    } finally {
      // The live name always ends up accepting connections; the previous database stays closed.
      await admin.query(`ALTER DATABASE ${id(live)} ALLOW_CONNECTIONS true`).catch(() => {});
    }
    if (swapped) {
      await admin.query(`COMMENT ON DATABASE ${id(live)} IS ${literal(databaseComment(identity))}`);
      await admin.query(`COMMENT ON DATABASE ${id(previous)} IS ${literal(asideComment(identity, purpose))}`);
      await admin.query(`ALTER DATABASE ${id(previous)} ALLOW_CONNECTIONS false`).catch(() => {});
    }
    return { previous, terminatedSessions: terminated };
  });
}

async function terminate(admin: Client, databases: string[]): Promise<number> {
  const { rows } = await admin.query(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()`,
    [databases],
  );
  return rows[0]?.n ?? 0;
}

export interface AsideDatabase {
  name: string;
  comment: string;
  sizeBytes: number;
}

/** Databases berth put beside the app's (previous ones after a restore, restores in progress). */
export async function listAside(adminUrl: string, identity: DatabaseIdentity, purposePrefix: string): Promise<AsideDatabase[]> {
  return withConnection(adminUrl, { label: 'the admin connection', applicationName: 'berth backup', database: 'postgres' }, async (admin) => {
    const { rows } = await admin.query(
      `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment, pg_database_size(oid)::bigint AS size FROM pg_database
       WHERE starts_with(coalesce(shobj_description(oid, 'pg_database'), ''), $1) ORDER BY datname`,
      [asideComment(identity, purposePrefix)],
    );
    return rows.map((r) => ({ name: r.name, comment: r.comment, sizeBytes: Number(r.size) }));
  });
}
