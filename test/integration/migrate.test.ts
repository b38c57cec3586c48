/**
 * The migration runner as the init container runs it: `node bin/berth.js migrate apply` as real
 * processes (the built CLI: `npm test` builds first), against a real Postgres, with only
 * DATABASE_URL in the environment and no berth config.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ExitCode } from '../../src/errors.ts';
import { applyMigrations } from '../../src/migrate/apply.ts';
import { MIGRATION_LOCK_KEY } from '../../src/migrate/lock.ts';
import { tempDir } from '../unit/cli-harness.ts';
import { describeCluster, useDatabase, withClient } from './helpers.ts';

const root = join(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the built CLI with argv and an explicit environment: nothing leaks in from the test runner. */
function berth(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/berth.js'), ...args], { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeMigrations(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
}

describeCluster('berth migrate', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  });

  describe('three replicas starting together', () => {
    const db = useDatabase('mig');

    it('apply every migration exactly once, in order, under the advisory lock', async () => {
      const dir = tempDir();
      const files: Record<string, string> = {
        '0001_log.sql': 'CREATE TABLE applied_log (seq serial PRIMARY KEY, name text NOT NULL, backend int NOT NULL DEFAULT pg_backend_pid());\n',
      };
      // A slow first step makes sure the other two really wait on the lock.
      files['0002_slow.sql'] = "SELECT pg_sleep(0.8);\nINSERT INTO applied_log (name) VALUES ('0002');\n";
      for (let i = 3; i <= 12; i++) {
        const n = String(i).padStart(4, '0');
        files[`${n}_step.sql`] = `CREATE TABLE t${n} (id int);\nINSERT INTO applied_log (name) VALUES ('${n}');\n`;
      }
      writeMigrations(join(dir, 'migrations'), files);
      const runs = await Promise.all([1, 2, 3].map(() => berth(['migrate', 'apply', '--json'], { DATABASE_URL: db.url }, dir)));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const results = runs.map((r) => JSON.parse(r.stdout));
      // One process applied all twelve; the others waited on the lock, then found nothing to do.
      expect(results.map((r) => r.applied.length).sort((a, b) => a - b)).toEqual([0, 0, 12]);
      const waiters = results.filter((r) => r.applied.length === 0);
      expect(Math.max(...waiters.map((r) => r.lockWaitMs))).toBeGreaterThan(200);

      const { log, journal } = await withClient(db.url, async (c) => ({
        log: (await c.query('SELECT name FROM applied_log ORDER BY seq')).rows.map((r) => r.name),
        journal: (await c.query('SELECT name FROM berth.migrations ORDER BY applied_at, name')).rows.map((r) => r.name),
      }));
      expect(log).toEqual(['0002', ...Array.from({ length: 10 }, (_, i) => String(i + 3).padStart(4, '0'))]);
      expect(journal).toEqual(Object.keys(files).sort());
    });
  });

  describe('a failing migration', () => {
    const db = useDatabase('migfail');

    it('rolls its transaction back, stops, and names the file, the line and the Postgres error', async () => {
      const dir = tempDir();
      writeMigrations(join(dir, 'migrations'), {
        '0001_ok.sql': 'CREATE TABLE ok (id int);\n',
        '0002_bad.sql': 'CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\n\nINSERT INTO missing_table VALUES (1);\n',
        '0003_after.sql': 'CREATE TABLE after (id int);\n',
      });
      const run = await berth(['migrate', 'apply'], { DATABASE_URL: db.url }, dir);
      expect(run.code).toBe(ExitCode.failure);
      expect(run.stderr).toContain('Migration 0002_bad.sql failed at line 4: relation "missing_table" does not exist (SQLSTATE 42P01)');
      expect(run.stderr).toContain('rolled back');
      const state = await withClient(db.url, (c) =>
        c.query(`SELECT to_regclass('ok') IS NOT NULL AS ok, to_regclass('half') IS NOT NULL AS half, to_regclass('after') IS NOT NULL AS after,
                        (SELECT array_agg(name ORDER BY name) FROM berth.migrations) AS journal`),
      );
      expect(state.rows[0]).toEqual({ ok: true, half: false, after: false, journal: ['0001_ok.sql'] });

      writeFileSync(join(dir, 'migrations/0002_bad.sql'), 'CREATE TABLE half (id int);\n');
      const fixed = await berth(['migrate', 'apply'], { DATABASE_URL: db.url }, dir);
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(fixed.stdout).toContain('Applied 2 migrations (1 already applied before)');
    });

    it('rolls back a migration that fails only at COMMIT (a deferred constraint)', async () => {
      const dir = tempDir();
      writeMigrations(join(dir, 'migrations'), {
        '0001_ok.sql': 'CREATE TABLE ok (id int);\n',
        '0002_bad.sql': 'CREATE TABLE half (id int);\n',
        '0003_after.sql': 'CREATE TABLE after (id int);\n',
        '0003_deferred.sql':
          'CREATE TABLE p_def (id int PRIMARY KEY);\nCREATE TABLE c_def (pid int REFERENCES p_def (id) DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO c_def VALUES (42);\n',
      });
      const run = await berth(['migrate', 'apply'], { DATABASE_URL: db.url }, dir);
      expect(run.code).toBe(ExitCode.failure);
      expect(run.stderr).toMatch(/Migration 0003_deferred.sql failed: insert or update on table "c_def" violates foreign key constraint .* \(SQLSTATE 23503\)/);
      const left = await withClient(db.url, (c) =>
        c.query(`SELECT to_regclass('p_def') AS p, (SELECT count(*)::int FROM berth.migrations WHERE name = '0003_deferred.sql') AS n`),
      );
      expect(left.rows[0]).toEqual({ p: null, n: 0 });
    });

    it('runs a no-transaction file statement by statement (CREATE INDEX CONCURRENTLY)', async () => {
      const dir = tempDir();
      writeMigrations(join(dir, 'migrations'), {
        '0001_ok.sql': 'CREATE TABLE ok (id int);\n',
        '0002_bad.sql': 'CREATE TABLE half (id int);\n',
        '0003_after.sql': 'CREATE TABLE after (id int);\n',
        '0004_index.sql': '-- berth:no-transaction\nCREATE INDEX CONCURRENTLY ok_id ON ok (id);\nCREATE INDEX CONCURRENTLY after_id ON after (id);\n',
      });
      const run = await berth(['migrate', 'apply'], { DATABASE_URL: db.url }, dir);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('applying 0004_index.sql (no transaction)');
      const indexes = await withClient(db.url, (c) => c.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname IN ('ok_id', 'after_id')`));
      expect(indexes.rows[0].n).toBe(2);
    });
  });

  describe('a migration whose error quotes a connection string', () => {
    const db = useDatabase('migsecret');

    it('prints the Postgres detail with the password masked, also with --verbose', async () => {
      const dir = tempDir();
      const stored = 'postgres://reporting:Hunter2-secret@replica.internal:5432/app';
      writeMigrations(join(dir, 'migrations'), {
        '0001_feeds.sql': `CREATE TABLE feeds (url text UNIQUE);\nINSERT INTO feeds VALUES ('${stored}');\n`,
        // Postgres puts the duplicate value in the error's detail: "Key (url)=(postgres://…) already exists."
        '0002_again.sql': `INSERT INTO feeds VALUES ('${stored}');\n`,
      });
      const run = await berth(['migrate', 'apply', '--verbose'], { DATABASE_URL: db.url }, dir);
      expect(run.code).toBe(ExitCode.failure);
      expect(run.stderr).toContain('Migration 0002_again.sql failed: duplicate key value violates unique constraint "feeds_url_key" (SQLSTATE 23505)');
      expect(run.stderr).toContain('detail: Key (url)=(postgres://reporting:***@replica.internal:5432/app) already exists.');
      expect(run.stdout + run.stderr).not.toContain('Hunter2-secret');
    });
  });

  describe('a transactional file with its own BEGIN/COMMIT', () => {
    const db = useDatabase('migtx');

    it('is refused before anything runs, naming the file and line', async () => {
      const dir = tempDir();
      writeMigrations(join(dir, 'migrations'), {
        '0001_ok.sql': 'CREATE TABLE ok (id int);\n',
        '0002_tx.sql': '-- a file written for psql\nBEGIN;\nCREATE TABLE half (id int);\nCOMMIT;\nINSERT INTO missing_table VALUES (1);\n',
      });
      const run = await berth(['migrate', 'apply'], { DATABASE_URL: db.url }, dir);
      expect(run.code).toBe(ExitCode.usage);
      expect(run.stderr).toContain('Transaction control in a migration that berth runs in a transaction');
      expect(run.stderr).toContain('0002_tx.sql line 2: BEGIN');
      expect(run.stderr).toContain('0002_tx.sql line 4: COMMIT');
      expect(run.stderr).toContain('-- berth:no-transaction');
      const state = await withClient(db.url, (c) =>
        c.query(`SELECT to_regclass('ok') AS ok, to_regclass('half') AS half, (SELECT count(*)::int FROM berth.migrations) AS journal`),
      );
      expect(state.rows[0]).toEqual({ ok: null, half: null, journal: 0 });
    });
  });

  describe('waiting for the lock', () => {
    const db = useDatabase('miglock');
    const hold = async () => {
      const holder = new pg.Client({ connectionString: db.url, application_name: 'lock-holder-test' });
      await holder.connect();
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      return holder;
    };
    const files = (dir: string) => writeMigrations(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (id int);\n' });
    const applied = () => withClient(db.url, (c) => c.query(`SELECT to_regclass('a') AS a`)).then((r) => r.rows[0].a);

    it('gives up after the lock timeout with exit 4, naming the holder', async () => {
      const dir = tempDir();
      files(dir);
      const holder = await hold();
      try {
        const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        const started = Date.now();
        const error = await applyMigrations({
          dir: 'migrations',
          cwd: dir,
          databaseUrl: db.url,
          urlSource: 'DATABASE_URL',
          lockTimeoutMs: 800,
          lockPollMs: 50,
        }).catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(error).toMatchObject({ exitCode: ExitCode.conflict });
        expect((error as Error).message).toContain(`backend ${pid} (lock-holder-test) holds it`);
        expect(await applied()).toBeNull();
      } finally {
        await holder.end();
      }
    });

    it('stops waiting at the first Ctrl-C: exit 130, nothing applied', async () => {
      const dir = tempDir();
      files(dir);
      const holder = await hold();
      let child: ChildProcess | undefined;
      try {
        child = spawn(process.execPath, [join(root, 'bin/berth.js'), 'migrate', 'apply'], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', DATABASE_URL: db.url },
        });
        let stderr = '';
        const exited = new Promise<number | null>((resolve) => child!.on('close', resolve));
        const waiting = new Promise<void>((resolve, reject) => {
          child!.stderr!.on('data', (c: Buffer) => {
            stderr += c;
            if (stderr.includes('waiting for the migration lock')) resolve();
          });
          // Exiting before it waits is a failure to report, not a hang until the timeout.
          void exited.then((code) => reject(new Error(`berth exited (${code}) before waiting for the lock:\n${stderr}`)));
        });
        await waiting;
        child.kill('SIGINT');
        expect(await exited).toBe(ExitCode.interrupted);
        expect(stderr).toContain('Interrupted while waiting for the migration lock');
        expect(stderr).toContain('lock-holder-test');
        expect(await applied()).toBeNull();
      } finally {
        // A child that ignored SIGINT (or never got it) must not outlive the test holding a connection.
        if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await holder.end();
      }
      // With the lock free, the same files apply.
      const after = await berth(['migrate', 'apply'], { DATABASE_URL: db.url }, dir);
      expect(after.code, after.stderr).toBe(0);
    }, 30_000);
  });

  describe('drift', () => {
    const db = useDatabase('migdrift');

    it('fails with exit code 5 and names an edited file, then a deleted one; status shows it too', async () => {
      const dir = tempDir();
      const migrations = join(dir, 'migrations');
      writeMigrations(migrations, { '0001_a.sql': 'CREATE TABLE a (id int);\n', '0002_b.sql': 'CREATE TABLE b (id int);\n' });
      expect((await berth(['migrate', 'apply'], { DATABASE_URL: db.url }, dir)).code).toBe(0);

      writeFileSync(join(migrations, '0001_a.sql'), 'CREATE TABLE a (id bigint);\n');
      writeFileSync(join(migrations, '0003_c.sql'), 'CREATE TABLE c (id int);\n');
      const edited = await berth(['migrate', 'apply'], { DATABASE_URL: db.url }, dir);
      expect(edited.code).toBe(ExitCode.drift);
      expect(edited.stderr).toContain('schema drift');
      expect(edited.stderr).toContain('changed since it was applied: 0001_a.sql');
      // Nothing was applied while drifted.
      expect((await withClient(db.url, (c) => c.query(`SELECT to_regclass('c') AS c`))).rows[0].c).toBeNull();

      writeFileSync(join(migrations, '0001_a.sql'), 'CREATE TABLE a (id int);\n');
      rmSync(join(migrations, '0002_b.sql'));
      const deleted = await berth(['migrate', 'apply', '--json'], { DATABASE_URL: db.url }, dir);
      expect(deleted.code).toBe(ExitCode.drift);
      expect(deleted.stderr).toContain('applied but the file is gone:  0002_b.sql');
      expect(JSON.parse(deleted.stdout).error.exitCode).toBe(ExitCode.drift);

      writeFileSync(join(migrations, '0001_a.sql'), 'CREATE TABLE a (id int); -- a comment\n');
      const text = await berth(['migrate', 'status'], { DATABASE_URL: db.url }, dir);
      expect(text.code).toBe(ExitCode.drift);
      expect(text.stderr).toMatch(/UPDATE berth\.migrations SET checksum = '[0-9a-f]{64}' WHERE name = '0001_a\.sql';/);
      writeFileSync(join(migrations, '0001_a.sql'), 'CREATE TABLE a (id int);\n');

      const status = await berth(['migrate', 'status', '--json'], { DATABASE_URL: db.url }, dir);
      expect(status.code).toBe(ExitCode.drift);
      expect(JSON.parse(status.stdout)).toMatchObject({ ok: false, pending: ['0003_c.sql'], drift: { changed: [], missing: ['0002_b.sql'] } });
    });
  });

  describe('bad input', () => {
    const db = useDatabase('migbad');

    it('reports an unreachable server and a wrong password with exit code 3, never printing the password', async () => {
      const dir = tempDir();
      writeMigrations(join(dir, 'migrations'), { '0001_a.sql': 'SELECT 1;\n' });
      const closed = new URL(db.url);
      closed.port = '1';
      const unreachable = await berth(['migrate', 'apply'], { DATABASE_URL: closed.toString() }, dir);
      expect(unreachable.code).toBe(ExitCode.unreachable);
      expect(unreachable.stderr).toContain('Cannot reach DATABASE_URL');
      expect(unreachable.stderr).not.toContain(decodeURIComponent(closed.password));

      const wrong = new URL(db.url);
      wrong.password = 'wrong-password-456';
      const refused = await berth(['migrate', 'status'], { DATABASE_URL: wrong.toString() }, dir);
      expect(refused.code).toBe(ExitCode.unreachable);
      expect(refused.stderr).toContain('wrong password');
      expect(refused.stderr).not.toContain('wrong-password-456');

      const flag = await berth(['migrate', 'status', '--database-url', db.url], {}, dir);
      expect(flag.code, flag.stderr).toBe(0);
      expect(flag.stderr).toContain('visible to other users');
      expect(flag.stdout).toContain('0001_a.sql');
      expect(flag.stdout + flag.stderr).not.toContain(decodeURIComponent(new URL(db.url).password));
    });
  });
});
