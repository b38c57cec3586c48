/**
 * The journal: one row per applied migration, in berth.migrations. Its own schema keeps it out
 * of the app's tables and out of `public` dumps people diff.
 */
import { escapeLiteral, type Client } from '../postgres/connect.ts';

export const JOURNAL = 'berth.migrations';

export interface JournalEntry {
  name: string;
  checksum: string;
  appliedAt: Date;
  durationMs: number;
}

/** Runs under the migration lock: concurrent CREATE … IF NOT EXISTS can still collide. */
export async function ensureJournal(client: Client): Promise<void> {
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS berth;
    CREATE TABLE IF NOT EXISTS ${JOURNAL} (
      name        text PRIMARY KEY,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now(),
      duration_ms integer NOT NULL
    );`);
}

export async function readJournal(client: Client): Promise<JournalEntry[]> {
  const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS yes`, [JOURNAL]);
  if (!exists.rows[0]?.yes) return [];
  const { rows } = await client.query(`SELECT name, checksum, applied_at, duration_ms FROM ${JOURNAL} ORDER BY name`);
  return rows.map((r) => ({ name: r.name, checksum: r.checksum, appliedAt: r.applied_at, durationMs: r.duration_ms }));
}

export async function recordApplied(client: Client, name: string, checksum: string, durationMs: number): Promise<void> {
  await client.query(`INSERT INTO ${JOURNAL} (name, checksum, duration_ms) VALUES ($1, $2, $3)`, [name, checksum, Math.round(durationMs)]);
}

/**
 * The same row as a statement to send along with COMMIT in one round trip (a simple query takes
 * no parameters; the name is quoted, the checksum is hex, the duration an integer).
 */
export function recordAppliedSql(name: string, checksum: string, durationMs: number): string {
  return `INSERT INTO ${JOURNAL} (name, checksum, duration_ms) VALUES (${escapeLiteral(name)}, ${escapeLiteral(checksum)}, ${Math.round(durationMs)})`;
}
