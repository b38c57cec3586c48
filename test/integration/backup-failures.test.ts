/**
 * Backups when the world breaks underneath them: PostgreSQL killed in the middle of a dump, the
 * S3 server killed in the middle of a multipart upload, the store's disk full. Each gets its own
 * server or filesystem (a second Postgres from the harness's binaries, a second versitygw, a
 * 5 MB tmpfs), so the shared ones are never disturbed. In every case: the failure is reported
 * with its code, nothing is published, and nothing is listed as good.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isGood, readCatalog } from '../../src/backup/catalog.ts';
import { createBackup } from '../../src/backup/dump.ts';
import { DirectoryStore } from '../../src/store/directory.ts';
import { S3Store } from '../../src/store/s3.ts';
import { postgresDown, postgresUp, type PostgresInfo } from '../../testenv/postgres.ts';
import { startS3Server, stopS3Server, type S3Info } from '../../testenv/s3.ts';
import { bulk, databaseUrl } from './backup-fixtures.ts';
import { describeCluster, requireEnv, useDatabase, withClient } from './helpers.ts';

/** Resolves when a COPY of pg_dump (application "berth backup") is running on the server. */
async function dumpRunning(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { rows } = await withClient(url, (c) => c.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'berth backup' AND query LIKE 'COPY %'`));
    if (rows.length) return;
    await sleep(20);
  }
  throw new Error('pg_dump never started copying');
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describeCluster('backups when things break', () => {
  const shared = useDatabase('bkf');

  it('PostgreSQL killed mid-dump: a failed backup, nothing published, not listed as good', async () => {
    let server: PostgresInfo | undefined;
    try {
      server = await postgresUp();
      await withClient(server.url, (c) => c.query('CREATE DATABASE victim'));
      const url = databaseUrl(server.url, 'victim');
      await bulk(url, 60);
      const root = mkdtempSync(join(tmpdir(), 'berth-bk-'));
      const store = new DirectoryStore(root);
      const running = createBackup({ app: 'web', environment: 'it', source: { url: server.url, label: 'test', database: 'victim' }, store, reason: 'manual' });
      running.catch(() => {});
      await dumpRunning(server.url);
      process.kill(server.pid, 'SIGKILL');
      await expect(running).rejects.toMatchObject({ code: 'PG_DUMP_FAILED' });
      const catalog = await readCatalog(store, 'web', 'it');
      expect(catalog).toHaveLength(1);
      expect(catalog[0]!.meta).toMatchObject({ status: 'failed', failure: { code: 'PG_DUMP_FAILED' } });
      expect(catalog.some(isGood)).toBe(false);
      // Only the failed sidecar is left: no archive, no temporary file.
      expect(files(root).map((f) => f.slice(root.length))).toEqual([`/it/web/${catalog[0]!.id}.meta.json`]);
    } finally {
      await postgresDown(server);
    }
  });

  it('the S3 server killed mid-upload: the failure is detected and no object is published, even after it comes back', async () => {
    let s3: S3Info | undefined;
    try {
      const env = requireEnv();
      await bulk(shared.url, 50);
      s3 = await startS3Server();
      const store = new S3Store({
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      const running = createBackup({
        app: 'web',
        environment: 'it',
        source: { url: env.pgUrl, label: 'test', database: shared.name },
        store,
        reason: 'manual',
      });
      running.catch(() => {});
      // Kill it once the first multipart part has landed (versitygw keeps parts under
      // .sgwtmp/multipart). Not anything under .sgwtmp: when O_TMPFILE is refused, versitygw
      // stages a plain PutObject there too, and a kill then cut the `running` sidecar's own write.
      const bucketDir = join(s3.dataDir, 'root', s3.bucket);
      const deadline = Date.now() + 60_000;
      while (!files(join(bucketDir, '.sgwtmp', 'multipart')).some((f) => (statSync(f, { throwIfNoEntry: false })?.size ?? 0) > 0) && Date.now() < deadline)
        await sleep(10);
      process.kill(s3.pid, 'SIGKILL');
      const failure = await running.then(
        () => undefined,
        (error: { code?: string }) => error,
      );
      expect(failure?.code, (failure as Error)?.message).toMatch(/UPLOAD_INCOMPLETE|STORE_UNREACHABLE/);
      // Back up on the same port and data: the archive does not exist; the sidecar never said complete.
      s3 = await startS3Server({ dataDir: s3.dataDir, port: s3.port, credentials: s3 });
      const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3 });
      const catalog = await readCatalog(store, 'web', 'it');
      expect(catalog.some(isGood)).toBe(false);
      expect(catalog[0]?.meta?.status, JSON.stringify(catalog)).toBe('running');
      await expect(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `it/web/${catalog[0]!.meta!.archive}` }))).rejects.toMatchObject({
        name: 'NotFound',
      });
    } finally {
      await stopS3Server(s3, { signal: 'SIGKILL' });
    }
  });

  it('Ctrl-C mid-dump: INTERRUPTED, pg_dump stopped, nothing published', async () => {
    const env = requireEnv();
    await bulk(shared.url, 40);
    const root = mkdtempSync(join(tmpdir(), 'berth-bk-'));
    const store = new DirectoryStore(root);
    const controller = new AbortController();
    const running = createBackup({
      app: 'web',
      environment: 'it',
      source: { url: env.pgUrl, label: 'test', database: shared.name },
      store,
      reason: 'manual',
      signal: controller.signal,
    });
    running.catch(() => {});
    await dumpRunning(env.pgUrl);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
    const catalog = await readCatalog(store, 'web', 'it');
    expect(catalog[0]?.meta).toMatchObject({ status: 'failed', failure: { code: 'INTERRUPTED' } });
    expect(files(root).filter((f) => !f.endsWith('.meta.json'))).toEqual([]);
    // pg_dump's session is gone too (this database's: other test files back up beside this one).
    await sleep(500);
    const { rows } = await withClient(env.pgUrl, (c) =>
      c.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'berth backup' AND datname = $1`, [shared.name]),
    );
    expect(rows).toEqual([]);
  });

  it('a full disk: DISK_FULL reported, the partial file removed, the failure recorded', async (context) => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'berth-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=5m', 'tmpfs', mountPoint]);
    } catch {
      context.skip('mounting a tmpfs needs root');
      return;
    }
    try {
      const env = requireEnv();
      await bulk(shared.url, 20);
      const store = new DirectoryStore(mountPoint);
      await expect(
        createBackup({ app: 'web', environment: 'it', source: { url: env.pgUrl, label: 'test', database: shared.name }, store, reason: 'manual' }),
      ).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringMatching(/no space left/) });
      const catalog = await readCatalog(store, 'web', 'it');
      expect(catalog[0]?.meta).toMatchObject({ status: 'failed', failure: { code: 'DISK_FULL' } });
      expect(files(mountPoint).filter((f) => !f.endsWith('.meta.json'))).toEqual([]);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});

afterAll(() => {});
beforeAll(() => {});
