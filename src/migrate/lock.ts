/**
 * One session-level advisory lock per database serialises every `migrate apply` against it: the
 * replicas of a Deployment start together and each runs the init container; the first applies,
 * the others wait, then find nothing pending (seed 001's MigrateWithLock).
 * Session-level, so it needs a direct connection: through a transaction-mode pooler the lock
 * would stay with whichever server connection took it (hence DATABASE_DIRECT_URL).
 *
 * Waiting polls pg_try_advisory_lock rather than blocking in pg_advisory_lock, so a Ctrl-C (the
 * abort signal) or the wait timeout stops it between two polls with nothing left running on the
 * server. Waiters are not served in arrival order; for replicas that then find nothing pending,
 * that does not matter.
 */
import type { Client } from '../postgres/connect.ts';
import { BerthError, ExitCode } from '../errors.ts';

/** "berthmig" as a 64-bit integer; apps using advisory locks should avoid this key. */
export const MIGRATION_LOCK_KEY = '7090764839937956199';

export const DEFAULT_LOCK_TIMEOUT_MS = 600_000;

export interface LockHolder {
  pid: number;
  applicationName: string | undefined;
}

export interface LockEvents {
  /** Called once when another session holds the lock and we start waiting. */
  onWait?: (holderPid: number | undefined, holder?: LockHolder) => void;
}

export interface LockOptions extends LockEvents {
  /** Give up waiting after this long (exit 4). */
  timeoutMs?: number;
  /** Stop waiting (exit 130). */
  signal?: AbortSignal;
  /** Poll interval; tests shorten it. */
  pollMs?: number;
}

export async function withMigrationLock<T>(client: Client, options: LockOptions, fn: () => Promise<T>): Promise<{ value: T; waitedMs: number }> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  let announced = false;
  for (;;) {
    if (options.signal?.aborted) throw interruptedWaiting();
    if (await tryLock(client)) break;
    if (!announced) {
      announced = true;
      const found = await holder(client);
      options.onWait?.(found?.pid, found);
    }
    const waited = performance.now() - started;
    if (waited >= timeoutMs) {
      const found = await holder(client);
      const who = found ? `backend ${found.pid}${found.applicationName ? ` (${found.applicationName})` : ''}` : 'another session';
      throw new BerthError(`Gave up waiting for the migration lock after ${Math.round(waited / 1000)} s: ${who} holds it`, {
        exitCode: ExitCode.conflict,
        hint: `Another migration is running or stuck. Nothing was applied. Check it (SELECT * FROM pg_stat_activity WHERE pid = ${found?.pid ?? 'PID'}); raise --lock-timeout SECONDS to wait longer.`,
      });
    }
    await sleep(Math.min(options.pollMs ?? 250, timeoutMs - waited), options.signal);
  }
  const waitedMs = performance.now() - started;
  try {
    return { value: await fn(), waitedMs };
  } finally {
    // Closing the session releases it too; unlocking explicitly keeps a reused client clean.
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => {});
  }
}

async function tryLock(client: Client): Promise<boolean> {
  const { rows } = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [MIGRATION_LOCK_KEY]);
  return rows[0]?.ok === true;
}

function interruptedWaiting(): BerthError {
  return new BerthError('Interrupted while waiting for the migration lock', {
    exitCode: ExitCode.interrupted,
    hint: 'Nothing was applied; run again to continue.',
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function holder(client: Client): Promise<LockHolder | undefined> {
  const key = BigInt(MIGRATION_LOCK_KEY);
  const { rows } = await client.query(
    `SELECT l.pid, a.application_name FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 1 LIMIT 1`,
    [String(key >> 32n), String(key & 0xffffffffn)],
  );
  const row = rows[0] as { pid: number; application_name: string | null } | undefined;
  return row ? { pid: row.pid, applicationName: row.application_name || undefined } : undefined;
}
