/**
 * One session-level advisory lock per database serialises every `migrate apply` against it: the
 * replicas of a Deployment start together and each runs the init container; the first applies,
 * the others wait, then find nothing pending (seed 001's MigrateWithLock).
 * Session-level, so it needs a direct connection: through a transaction-mode pooler the lock
 * would stay with whichever server connection took it (hence DATABASE_DIRECT_URL).
 */
import type { Client } from '../db/connect.ts';

/** "berthmig" as a 64-bit integer; apps using advisory locks should avoid this key. */
export const MIGRATION_LOCK_KEY = '7090764839937956199';

export interface LockEvents {
  /** Called once when another session holds the lock and we start waiting. */
  onWait?: (holderPid: number | undefined) => void;
}

export async function withMigrationLock<T>(client: Client, events: LockEvents, fn: () => Promise<T>): Promise<{ value: T; waitedMs: number }> {
  const started = performance.now();
  const tried = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [MIGRATION_LOCK_KEY]);
  if (!tried.rows[0]?.ok) {
    events.onWait?.(await holder(client));
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  }
  const waitedMs = performance.now() - started;
  try {
    return { value: await fn(), waitedMs };
  } finally {
    // Closing the session releases it too; unlocking explicitly keeps a reused client clean.
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => {});
  }
}

async function holder(client: Client): Promise<number | undefined> {
  const key = BigInt(MIGRATION_LOCK_KEY);
  const { rows } = await client.query(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1 LIMIT 1`,
    [String(key >> 32n), String(key & 0xffffffffn)],
  );
  return rows[0]?.pid as number | undefined;
}
