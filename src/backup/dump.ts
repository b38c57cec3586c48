/**
 * Taking a backup: `pg_dump -Fc` (uncompressed; berth compresses) of the app's database, streamed
 * through zstd (or gzip) and a sha256 into a store, under a temporary name until everything
 * checked out. Memory stays flat: every stage streams with backpressure.
 *
 * Order of events, and why:
 *  1. a sidecar with status `running` (a run that dies still shows up, as running), written while
 *     the dump starts and always before the archive can be published;
 *  2. one connection opens a REPEATABLE READ transaction and exports its snapshot; pg_dump dumps
 *     that snapshot; every table's rows are counted in the archive as it streams by
 *     (archive-rows.ts), or, for an archive that counter cannot read, in the same snapshot;
 *  3. the stream's end is held until pg_dump exited 0 and its output looks like a custom-format
 *     archive of plausible size; otherwise the store discards it (nothing is published);
 *  4. the store's byte count must equal the meter's; then the sidecar says `complete`.
 * Any failure leaves a `failed` sidecar with a reason code and no archive.
 */
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BERTH_VERSION } from '../version.ts';
import { type Client, connect, escapeIdentifier as id } from '../postgres/connect.ts';
import { findTool, libpqEnv, requireAtLeast, serverVersion } from '../postgres/tools.ts';
import { checkExit, start } from '../exec/spawn.ts';
import { type ObjectStore, StoreError } from '../store/store.ts';
import { BackupError, rootCause } from './failure.ts';
import { countRows, listTables, schemaState } from './inspect.ts';
import { archiveKey, archiveName, newBackupId } from './layout.ts';
import { type BackupMeta, type BackupReason, type Compression, META_FORMAT } from './meta.ts';
import { writeMeta } from './sidecar-store.ts';
import { compressor, gateEnd, Meter } from './streams.ts';
import { ArchiveRowCounter } from './archive-rows.ts';

/** Where to read the app's database from. */
export interface DatabaseSource {
  /** A URL whose user can read the app's database (the admin's, or the app's own). */
  url: string;
  /** For messages: `the admin connection`, `DATABASE_URL`. */
  label: string;
  /** The database to dump (replaces the URL's). */
  database: string;
  /**
   * The app's role: an admin that is not a superuser reads the app's tables through SET ROLE
   * (it is a member of every app role it created).
   */
  role?: string;
}

export interface BackupRequest {
  app: string;
  environment: string;
  source: DatabaseSource;
  store: ObjectStore;
  reason: BackupReason;
  /** Recorded in the sidecar: who asked (the admin page's `web:<user>`). */
  by?: string;
  compression?: Compression;
  clock?: () => Date;
  signal?: AbortSignal;
  onProgress?: (event: { phase: 'started' | 'dumped'; id: string; bytes?: number }) => void;
}

/** pg_dump's custom format starts with these bytes. */
const MAGIC = Buffer.from('PGDMP');
/** An empty database's custom-format dump is well over this; anything smaller is not a dump. */
const MIN_DUMP_BYTES = 256;

export async function createBackup(request: BackupRequest): Promise<BackupMeta> {
  const clock = request.clock ?? (() => new Date());
  const compression = request.compression ?? 'zstd';
  const startedAt = clock();
  const backupId = newBackupId(startedAt);
  const meta: BackupMeta = {
    format: META_FORMAT,
    id: backupId,
    app: request.app,
    environment: request.environment,
    database: request.source.database,
    reason: request.reason,
    ...(request.by ? { by: request.by } : {}),
    status: 'running',
    startedAt: startedAt.toISOString(),
    archive: archiveName(backupId, compression),
    compression,
    versions: { berth: BERTH_VERSION },
  };
  // pg_dump's version probe (a process start) runs while the sidecar is written and the database
  // connected; dumpInto awaits the same answer, and reports a missing pg_dump.
  findTool('pg_dump').catch(() => undefined);
  // The `running` sidecar goes out while the database is connected and pg_dump starts (an S3 PUT
  // is a round trip or two); the archive cannot be published before it is written (dumpInto's
  // gate waits for it), and no later sidecar can overtake it.
  const running = writeMeta(request.store, { ...meta }).then(() => request.onProgress?.({ phase: 'started', id: backupId }));
  running.catch(() => {});
  try {
    const done = await dumpInto(request, meta, compression, running);
    Object.assign(meta, done, { status: 'complete', finishedAt: clock().toISOString() });
    await writeMeta(request.store, meta);
    request.onProgress?.({ phase: 'dumped', id: backupId, bytes: meta.bytes });
    return meta;
  } catch (error) {
    await running.catch(() => {});
    const failure = error instanceof BackupError ? error : rootCause([error], request.signal);
    // The archive goes first: on a full disk that frees the room the failed sidecar needs.
    await request.store.remove(archiveKey(meta.app, meta.environment, meta.archive)).catch(() => {});
    Object.assign(meta, { status: 'failed', finishedAt: clock().toISOString(), failure: { code: failure.code, message: failure.message } });
    await writeMeta(request.store, meta).catch(() => {});
    throw failure;
  }
}

async function dumpInto(request: BackupRequest, meta: BackupMeta, compression: Compression, running: Promise<void>): Promise<Partial<BackupMeta>> {
  const { source, signal } = request;
  let client: Client;
  try {
    client = await connect(source.url, { label: source.label, database: source.database, applicationName: 'berth backup' });
  } catch (error) {
    throw new BackupError('DATABASE_UNREACHABLE', (error as Error).message, { cause: error, hint: (error as { hint?: string }).hint });
  }
  try {
    const role = await readerRole(client, source.role);
    if (role) await client.query(`SET ROLE ${id(role)}`);
    const { rows } = await client.query('SHOW server_version_num');
    const server = serverVersion(Number(rows[0].server_version_num));
    const pgDump = await findTool('pg_dump');
    try {
      requireAtLeast(pgDump, 'pg_dump', server, `the server`);
    } catch (error) {
      throw new BackupError('VERSION_MISMATCH', (error as Error).message, { hint: (error as { hint?: string }).hint, exitCode: 2 });
    }
    meta.versions = { ...meta.versions, pgDump: pgDump.version, server: server.version };

    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const snapshot = (await client.query('SELECT pg_export_snapshot() AS s')).rows[0].s as string;
    const sizeHint = Number((await client.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n);
    const env = libpqEnv(source.url, { label: source.label, database: source.database, applicationName: 'berth backup' });
    const dump = start([pgDump.path, '--format=custom', '--compress=0', `--snapshot=${snapshot}`, ...(role ? [`--role=${role}`] : []), '--no-password'], {
      env,
      stdout: 'pipe',
      secrets: [env.PGPASSWORD],
      signal,
    });
    const schemaRead = schemaState(client);
    schemaRead.catch(() => {});

    const raw = new Meter({ hash: false });
    const rowCounter = new ArchiveRowCounter();
    const stored = new Meter();
    const body = new PassThrough({ highWaterMark: 1 << 18 });
    const gate = gateEnd(async () => {
      await running;
      checkExit(await dump.exited, 'pg_dump', { code: 'PG_DUMP_FAILED' });
      if (!raw.head.subarray(0, MAGIC.length).equals(MAGIC) || raw.bytes < MIN_DUMP_BYTES) {
        throw new BackupError('DUMP_IMPLAUSIBLE', `pg_dump exited 0 but wrote ${raw.bytes} bytes that are not a custom-format archive`);
      }
    });
    const key = archiveKey(meta.app, meta.environment, meta.archive);
    // A store that refuses the sidecar refuses the archive too: stop now, not at the end.
    running.catch((error: unknown) => body.destroy(error instanceof Error ? error : new Error(String(error))));
    const results = await Promise.allSettled([
      pipeline(dump.stdout!, raw, rowCounter, compressor(compression), stored, gate, body),
      request.store.write(key, body, { signal, sizeHint }),
    ]);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (failures.length) {
      dump.kill();
      const exit = await dump.exited;
      // pg_dump's own failure explains a broken pipe better than the pipe does.
      const dumpFailed = exit.code !== 0 && !exit.signal && !failures.some((f) => f instanceof StoreError);
      if (dumpFailed) {
        try {
          checkExit(exit, 'pg_dump', { code: 'PG_DUMP_FAILED' });
        } catch (error) {
          throw rootCause([error], signal);
        }
      }
      throw rootCause(failures, signal);
    }
    const written = (results[1] as PromiseFulfilledResult<{ bytes: number }>).value;
    if (written.bytes !== stored.bytes) {
      throw new BackupError('UPLOAD_INCOMPLETE', `The store holds ${written.bytes} bytes of an archive of ${stored.bytes}`);
    }
    const schema = await schemaRead;
    // The rows seen in the archive; an archive the counter cannot read is counted in the
    // database, in the snapshot pg_dump read (the transaction is still open).
    const counts = rowCounter.counts() ?? (await countRows(client, await listTables(client), signal));
    await client.query('COMMIT');
    return { bytes: stored.bytes, sha256: stored.sha256(), dumpBytes: raw.bytes, tables: counts, schema };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The role to read as: none for a superuser or the owner itself, else the app's role. */
async function readerRole(client: Client, role: string | undefined): Promise<string | undefined> {
  if (!role) return undefined;
  const { rows } = await client.query('SELECT rolsuper, current_user AS me FROM pg_roles WHERE rolname = current_user');
  return rows[0]?.rolsuper || rows[0]?.me === role ? undefined : role;
}
