/**
 * The sidecar written beside each archive: what was dumped, from where, how big, its sha256, the
 * versions involved, per-table row counts, the schema's migration state, the status and any
 * failure as a stable code. It is checksummed (sha256 over its canonical JSON), so a torn or
 * corrupt sidecar is detected rather than trusted.
 */
import { createHash } from 'node:crypto';

export const META_FORMAT = 'berth.backup/1';

export type BackupStatus = 'running' | 'failed' | 'complete' | 'verified';
export type { Compression } from '../config/backup-settings.ts';
import type { Compression } from '../config/backup-settings.ts';
/** Why the backup was taken. */
export type BackupReason = 'manual' | 'scheduled' | 'safety' | 'pre-drop' | 'pre-migrate';
export type Compatibility = 'compatible' | 'needs-migration' | 'unknown';

export interface SchemaState {
  /** berth's migration journal (berth.migrations), when the app uses berth's runner. */
  migrations: { count: number; latest: string } | null;
  /** sha256 of the user tables' columns and types: compares schemas without a journal. */
  fingerprint: string;
}

export interface Verification {
  at: string;
  ok: boolean;
  /** The archive's sha256 and length match the sidecar. */
  checksum: boolean;
  /** The whole archive was read through pg_restore and its row counts match. */
  readThrough: boolean;
  restoreTest?: { ok: boolean; durationMs: number; database: string };
  compatibility: Compatibility;
  /** Who asked for it when it was not the CLI's user (`web:<user>`). */
  by?: string;
  failure?: { code: string; message: string };
}

export interface BackupMeta {
  format: typeof META_FORMAT;
  id: string;
  app: string;
  environment: string;
  database: string;
  reason: BackupReason;
  /** Who asked for it when it was not the CLI's user: the admin page records `web:<user>`. */
  by?: string;
  status: BackupStatus;
  startedAt: string;
  finishedAt?: string;
  /** File name of the archive, beside the sidecar. */
  archive: string;
  compression: Compression;
  /** Archive size in the store (compressed) and its sha256. */
  bytes?: number;
  sha256?: string;
  /** Size of pg_dump's output before compression. */
  dumpBytes?: number;
  versions: { pgDump?: string; server?: string; berth: string };
  /** Rows per table (`schema.table`), counted in the snapshot pg_dump dumped. */
  tables?: Record<string, number>;
  schema?: SchemaState;
  verification?: Verification;
  failure?: { code: string; message: string };
}

/** Keys sorted at every level, so the checksum does not depend on property order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function digest(meta: BackupMeta): string {
  return createHash('sha256').update(canonicalJson(meta)).digest('hex');
}

export function encodeMeta(meta: BackupMeta): string {
  return `${JSON.stringify({ sha256: digest(meta), meta }, null, 2)}\n`;
}

export type DecodedMeta = { ok: true; meta: BackupMeta } | { ok: false; problem: string };

/** Parses a sidecar; a torn file, a flipped byte or a missing field is reported, never trusted. */
export function decodeMeta(text: string): DecodedMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'the sidecar is not valid JSON (torn or corrupt)' };
  }
  const record = parsed as { sha256?: unknown; meta?: BackupMeta };
  if (!record || typeof record !== 'object' || typeof record.sha256 !== 'string' || !record.meta || typeof record.meta !== 'object') {
    return { ok: false, problem: 'the sidecar lacks its checksum or metadata' };
  }
  if (digest(record.meta) !== record.sha256) return { ok: false, problem: 'the sidecar does not match its checksum (corrupt)' };
  if (record.meta.format !== META_FORMAT) return { ok: false, problem: `unknown sidecar format ${String(record.meta.format)}` };
  return { ok: true, meta: record.meta };
}
