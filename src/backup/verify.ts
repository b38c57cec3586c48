/**
 * Verifying a backup: the archive's length and sha256 against the sidecar, the whole archive read
 * through pg_restore with every table's rows counted and compared with the counts taken at dump
 * time, optionally a test restore into a scratch database, and the schema's compatibility with
 * the live database. The result is written into the sidecar: `verified`, or `failed` with a code.
 */
import { checkExit, start } from '../exec/spawn.ts';
import { findTool, requireAtLeast } from '../postgres/tools.ts';
import type { ObjectStore } from '../store/store.ts';
import { BackupError, rootCause } from './failure.ts';
import { compatibility } from './inspect.ts';
import type { BackupMeta, SchemaState, Verification } from './meta.ts';
import { CopyCounter } from './copy-counter.ts';
import { streamArchive } from './read-archive.ts';
import { writeMeta } from './sidecar-store.ts';

export interface VerifyRequest {
  store: ObjectStore;
  meta: BackupMeta;
  /** The live database's schema state, for the compatibility verdict. */
  current?: SchemaState;
  /** Restores into a scratch database and compares row counts (needs an admin connection). */
  restoreTest?: (meta: BackupMeta) => Promise<{ durationMs: number; database: string }>;
  clock?: () => Date;
  signal?: AbortSignal;
  /** Who asked for this verification when it was not the CLI's user: the admin page records `web:<user>`. */
  by?: string;
}

export async function verifyBackup(request: VerifyRequest): Promise<BackupMeta> {
  const { meta, signal } = request;
  const clock = request.clock ?? (() => new Date());
  const result: Verification = {
    at: clock().toISOString(),
    ok: false,
    checksum: false,
    readThrough: false,
    compatibility: compatibility(meta.schema, request.current),
    ...(request.by ? { by: request.by } : {}),
  };
  try {
    if (meta.status === 'running' || meta.status === 'failed' || meta.sha256 === undefined) {
      throw new BackupError(
        'NOT_FOUND',
        `Backup ${meta.id} is ${meta.status}${meta.failure ? ` (${meta.failure.code})` : ''}: there is no complete archive to verify`,
      );
    }
    await readThrough(request.store, meta, signal);
    result.checksum = true;
    result.readThrough = true;
    if (request.restoreTest) {
      const started = Date.now();
      const test = await request.restoreTest(meta);
      result.restoreTest = { ok: true, durationMs: test.durationMs ?? Date.now() - started, database: test.database };
    }
    result.ok = true;
  } catch (error) {
    const failure = rootCause([error], signal);
    if (failure.code === 'CHECKSUM_MISMATCH' || failure.code === 'ARCHIVE_CORRUPT') result.readThrough = false;
    result.failure = { code: failure.code, message: failure.message };
    if (failure.code !== 'INTERRUPTED' && meta.status !== 'running' && meta.status !== 'failed') {
      Object.assign(meta, { status: 'failed', verification: result, failure: result.failure });
      await writeMeta(request.store, meta).catch(() => {});
    }
    throw failure;
  }
  Object.assign(meta, { status: 'verified', verification: result });
  delete meta.failure;
  await writeMeta(request.store, meta);
  return meta;
}

/** Checksum and a full read through pg_restore, counting rows per table. */
async function readThrough(store: ObjectStore, meta: BackupMeta, signal?: AbortSignal): Promise<void> {
  const pgRestore = await findTool('pg_restore');
  if (meta.versions.pgDump)
    requireAtLeast(
      pgRestore,
      'pg_restore',
      { major: Number(meta.versions.pgDump.split('.')[0]), version: meta.versions.pgDump },
      'the pg_dump that wrote this archive',
    );
  const restore = start([pgRestore.path, '--file=-'], { stdin: 'pipe', stdout: 'pipe', signal });
  const counter = new CopyCounter();
  const counting = new Promise<void>((resolve, reject) => {
    restore.stdout!.pipe(counter).on('finish', resolve).on('error', reject);
  });
  let streamError: unknown;
  try {
    await streamArchive(store, meta, restore.stdin!, signal);
  } catch (error) {
    streamError = error;
    restore.kill();
  }
  const exit = await restore.exited;
  await counting.catch(() => {});
  // A checksum or decompression failure is the clearest explanation; a broken pipe is not.
  if (streamError instanceof BackupError && streamError.code !== 'FAILED') throw streamError;
  checkExit(exit, 'pg_restore (reading the archive)', { code: 'ARCHIVE_CORRUPT' });
  if (streamError) throw streamError;
  checkExit(exit, 'pg_restore (reading the archive)', { code: 'ARCHIVE_CORRUPT' });
  const expected = meta.tables ?? {};
  const wrong = Object.keys({ ...expected, ...counter.counts }).filter((table) => (expected[table] ?? -1) !== (counter.counts[table] ?? -1));
  if (wrong.length) {
    const first = wrong[0]!;
    throw new BackupError(
      'ROW_COUNT_MISMATCH',
      `The archive's rows do not match the counts taken at dump time: ${first} has ${counter.counts[first] ?? 'no data'} rows, expected ${expected[first] ?? 'none'}${wrong.length > 1 ? ` (and ${wrong.length - 1} more tables)` : ''}`,
    );
  }
}
