/**
 * Backups end to end through the CLI (in-process), against the harness's real PostgreSQL, a real
 * kube-apiserver (the app's Secret, its Deployments restarted) and a real S3 server (versitygw):
 * round trips with exact comparisons under concurrent writes, damaged archives and sidecars,
 * restores that fail half-way or meet open connections, notifications, staleness, db drop.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { appendFileSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/dump.ts';
import { verifyBackup } from '../../src/backup/verify.ts';
import { DirectoryStore } from '../../src/store/directory.ts';
import { loadConfig } from '../../src/config/load.ts';
import { render } from '../../src/render/index.ts';
import { readSecret } from '../../src/cluster/secrets.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { backupBeforeMigrate } from '../../src/backup/before-migrate.ts';
import { databaseIdentity } from '../../src/model/database-names.ts';
import { ExitCode } from '../../src/errors.ts';
import { cli, tempDir } from '../unit/cli-harness.ts';
import { databaseUrl, digest, installFixtureExtension, project, seed, startWriter } from './backup-fixtures.ts';
import { describeCluster, kube, requireEnv, useNamespace, withClient } from './helpers.ts';

const suffix = randomBytes(3).toString('hex');
const app = (name: string) => `${name}${suffix}`;
const APPS = ['trip', 'tripa', 'dmg', 'half', 'held', 'stale', 'note', 'drop', 'sss', 'cron', 'pre', 'ext'].map(app);
const db = (name: string) => `${name}_it`;

describeCluster('backups through the CLI', () => {
  const namespace = useNamespace('bk');
  let dir = '';
  let env: Record<string, string> = {};
  let adminUrl = '';
  const hooks: { status: number; received: string[] } = { status: 200, received: [] };
  let hookServer: Server;

  beforeAll(async () => {
    const harness = requireEnv();
    adminUrl = harness.pgUrl;
    dir = tempDir();
    writeFileSync(
      join(dir, 'berth.config.json'),
      JSON.stringify(
        project({ port: harness.postgres.port, namespace: namespace.name, apps: APPS, store: { dir: { path: './backups' } }, webhookEnv: 'HOOK' }),
      ),
    );
    if (!harness.s3) throw new Error('the test environment has no S3 server: npm run testenv -- build && up');
    writeFileSync(
      join(dir, 's3.json'),
      JSON.stringify(
        project({
          port: harness.postgres.port,
          namespace: namespace.name,
          apps: APPS,
          store: { s3: { bucket: harness.s3.bucket, endpoint: harness.s3.endpoint, prefix: `it-${suffix}`, credentialsSecret: 'backup-s3' } },
        }),
      ),
    );
    hookServer = createServer((request, response) => {
      let body = '';
      request.on('data', (c: Buffer) => (body += c.toString()));
      request.on('end', () => {
        hooks.received.push(JSON.parse(body).text);
        response.writeHead(hooks.status).end();
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    const port = (hookServer.address() as { port: number }).port;
    env = { ADMIN_URL: harness.pgUrl, KUBECONFIG: harness.kubeconfigPath, HOOK: `http://127.0.0.1:${port}/hook` };
    for (const name of APPS) {
      const created = await berth(['db', 'create', name]);
      expect(created.code, created.stderr).toBe(0);
    }
  });

  afterAll(async () => {
    hookServer?.close();
    await withClient(adminUrl, async (client) => {
      const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE '%' || $1 || '%'`, [suffix]);
      for (const row of rows) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(row.datname)} WITH (FORCE)`);
      for (const name of APPS) await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(db(name))}`);
    });
  });

  const berth = (args: string[], more: Record<string, string> = {}) => cli([...args, '--env', 'it'], { cwd: dir, env: { ...env, ...more } });
  const json = async (args: string[], more: Record<string, string> = {}) => {
    const result = await berth([...args, '--json'], more);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    return JSON.parse(lines.at(-1)!.startsWith('{') && lines.length > 1 && lines.at(-1)!.includes('"event":"result"') ? lines.at(-1)! : result.stdout);
  };
  const storeDir = (name: string) => join(dir, 'backups', 'it', name);

  it('round trip under concurrent writes: the restored database is exactly the snapshot the backup recorded', async () => {
    const name = app('trip');
    const url = databaseUrl(adminUrl, db(name));
    await seed(url, 20_000);
    const writer = startWriter(url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const created = await json(['backup', 'create', name]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const written = await writer.stop();
    expect(written).toBeGreaterThan(20);
    const backup = created.backup;
    expect(backup.status).toBe('verified');
    // The counts are the snapshot's: the counter and the events agree, and the writer went on after.
    const snapshotMax = backup.tables['public.events'];
    expect(backup.tables['public.counter']).toBe(1);
    const live = await digest(url);
    expect(live.maxId).toBeGreaterThan(snapshotMax);
    const expected = await digest(url, snapshotMax);

    const listed = await berth(['backup', 'list', name, '-o', 'json']);
    expect(JSON.parse(listed.stdout).backups[0]).toMatchObject({ id: backup.id, status: 'verified', compatibility: 'compatible' });

    const restored = await berth(['backup', 'restore', name, backup.id, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`Restored ${name} in it from ${backup.id}`);
    const after = await digest(url);
    // Events are immutable: exactly those of the snapshot, byte for byte; the counter moved with them;
    // transfers kept the total (accounts changed after the snapshot, so only their sum compares).
    expect({ ...after, accounts: undefined }).toEqual({ ...expected, counter: snapshotMax, maxId: snapshotMax, accounts: undefined });
    expect(after.total).toBe(50_000);
    // The safety backup of the replaced data is listed and good.
    const list = JSON.parse((await berth(['backup', 'list', name, '-o', 'json'])).stdout).backups;
    expect(list.map((b: { reason: string }) => b.reason)).toEqual(['safety', 'manual']);
    expect(list[0].status).toBe('verified');
  });

  it('round trip through S3: multipart upload, verify with a test restore, restore aside, exact comparison', async () => {
    const name = app('sss');
    const url = databaseUrl(adminUrl, db(name));
    await seed(url, 60_000);
    const harness = requireEnv();
    const s3env = { AWS_ACCESS_KEY_ID: harness.s3!.accessKeyId, AWS_SECRET_ACCESS_KEY: harness.s3!.secretAccessKey };
    const created = await json(['backup', 'create', name, '-c', 's3.json'], s3env);
    expect(created.backup.status).toBe('verified');
    const verified = await berth(['backup', 'verify', name, '--restore-test', '-c', 's3.json'], s3env);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('test restore ok');
    const aside = `aside_${suffix}`;
    const restored = await berth(['backup', 'restore', name, '--to-database', aside, '-c', 's3.json'], s3env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await digest(databaseUrl(adminUrl, aside))).toEqual(await digest(url));
    // Without credentials the Secret is read from the namespace; it does not exist: a clear error.
    const missing = await berth(['backup', 'list', name, '-c', 's3.json']);
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toContain('backup-s3');
  });

  it('verify detects a flipped byte, a truncation, an appended byte and a corrupt sidecar; list shows them as bad', async () => {
    const name = app('dmg');
    await seed(databaseUrl(adminUrl, db(name)), 30_000);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await json(['backup', 'create', name])).backup.id);
    const archive = (id: string) => join(storeDir(name), `${id}.dump.zst`);
    const flip = readFileSync(archive(ids[0]!));
    flip[Math.floor(flip.length / 2)]! ^= 0x01;
    writeFileSync(archive(ids[0]!), flip);
    truncateSync(archive(ids[1]!), readFileSync(archive(ids[1]!)).length - 100);
    appendFileSync(archive(ids[2]!), Buffer.from([0]));
    const sidecar = join(storeDir(name), `${ids[3]}.meta.json`);
    writeFileSync(sidecar, readFileSync(sidecar, 'utf8').replace(/"public\.events": \d+/, '"public.events": 1'));

    const list = JSON.parse((await berth(['backup', 'list', name, '-o', 'json'])).stdout).backups;
    const status = (id: string) => list.find((b: { id: string }) => b.id === id).status;
    // Size changes are visible from the listing alone; a flipped byte and a corrupt sidecar need verify or the checksum.
    expect(status(ids[1]!)).toBe('damaged');
    expect(status(ids[2]!)).toBe('damaged');
    expect(status(ids[3]!)).toBe('corrupt');
    for (const [id, code] of [
      [ids[0], /is damaged|does not match its sidecar/],
      [ids[1], /is damaged: the archive holds \d+ bytes/],
      [ids[2], /is damaged: the archive holds \d+ bytes/],
      [ids[3], /is corrupt: the sidecar does not match its checksum/],
    ] as const) {
      const result = await berth(['backup', 'verify', name, id!]);
      expect(result.code, `${id}: ${result.stderr}`).not.toBe(0);
      expect(result.stderr).toMatch(code);
    }
    const after = JSON.parse((await berth(['backup', 'list', name, '-o', 'json'])).stdout).backups;
    expect(after.find((b: { id: string }) => b.id === ids[0]).status).toBe('failed');
    expect(hooks.received.some((m) => m.includes(ids[0]!) && m.includes('failed'))).toBe(true);
  });

  it('a restore that fails half-way (damage found at the end of the archive) leaves the live database as it was', async () => {
    const name = app('half');
    const url = databaseUrl(adminUrl, db(name));
    await seed(url, 50_000);
    const backup = (await json(['backup', 'create', name])).backup;
    await withClient(url, (c) => c.query(`INSERT INTO events VALUES (999999, 'after the backup')`));
    const before = await digest(url);
    const oid = async () => (await withClient(adminUrl, (c) => c.query('SELECT oid FROM pg_database WHERE datname = $1', [db(name)]))).rows[0]?.oid;
    const liveOid = await oid();
    const file = join(storeDir(name), `${backup.id}.dump.zst`);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(file, bytes);
    const restore = await berth(['backup', 'restore', name, backup.id, '--yes']);
    expect(restore.code).not.toBe(0);
    expect(restore.stderr).toMatch(/ARCHIVE_CORRUPT|damaged|does not match/);
    expect(await oid()).toBe(liveOid);
    expect(await digest(url)).toEqual(before);
    const leftovers = await withClient(adminUrl, (c) => c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${db(name)}_restore%`]));
    expect(leftovers.rows).toEqual([]);
    expect(hooks.received.some((m) => m.includes(`Restore of ${name}`) && m.includes('live database was not changed'))).toBe(true);
  });

  it('a restore succeeds while clients hold connections (idle, mid-transaction); the previous database is kept until --drop-previous', async () => {
    const name = app('held');
    const url = databaseUrl(adminUrl, db(name));
    await seed(url, 5_000);
    const backup = (await json(['backup', 'create', name])).backup;
    await withClient(url, (c) => c.query('DELETE FROM events'));
    const clients = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = new pg.Client({ connectionString: url });
        client.on('error', () => {});
        await client.connect();
        return client;
      }),
    );
    await clients[1]!.query('BEGIN');
    await clients[1]!.query('SELECT count(*) FROM events');
    const restore = await berth(['backup', 'restore', name, backup.id, '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/terminated [1-9]\d* open session/);
    for (const client of clients) await expect(client.query('SELECT 1')).rejects.toThrow();
    expect((await digest(url)).events.startsWith('5000:')).toBe(true);
    const previous = JSON.parse(restore.stdout.trim().split('\n').pop()!.startsWith('{') ? '{}' : '{}');
    expect(previous).toEqual({});
    const prevName = /previous database kept as (\S+)/.exec(restore.stdout)![1]!;
    const prev = await withClient(adminUrl, (c) => c.query('SELECT datallowconn FROM pg_database WHERE datname = $1', [prevName]));
    expect(prev.rows).toEqual([{ datallowconn: false }]);
    const dropped = await berth(['backup', 'restore', name, '--drop-previous', '--yes']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect((await withClient(adminUrl, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [prevName]))).rows).toEqual([]);
    expect((await withClient(adminUrl, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db(name)]))).rows).toHaveLength(1);
  });

  it('check fires after a missed run and passes once a fresh verified backup exists', async () => {
    const name = app('stale');
    await seed(databaseUrl(adminUrl, db(name)), 100);
    // Only the clock is substituted: a backup taken "three days ago".
    const store = new DirectoryStore(join(dir, 'backups'));
    const old = await createBackup({
      app: name,
      environment: 'it',
      source: { url: adminUrl, label: 'admin', database: db(name) },
      store,
      reason: 'scheduled',
      clock: () => new Date(Date.now() - 3 * 86_400_000),
    });
    await verifyBackup({ store, meta: old, clock: () => new Date(Date.now() - 3 * 86_400_000) });
    const stale = await berth(['backup', 'check', name]);
    expect(stale.code).toBe(ExitCode.failure);
    expect(stale.stderr).toMatch(/stale: .*missed or failed/);
    expect(hooks.received.some((m) => m.includes(`Backups of ${name} in it are stale`))).toBe(true);
    await json(['backup', 'create', name]);
    const fresh = await berth(['backup', 'check', name]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('are current');
  });

  it("a failing webhook is reported and never changes the backup's outcome", async () => {
    const name = app('note');
    await seed(databaseUrl(adminUrl, db(name)), 100);
    hooks.status = 500;
    try {
      const result = await berth(['backup', 'create', name]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('notification not delivered (backup-succeeded): the webhook answered HTTP 500');
      const listed = JSON.parse((await berth(['backup', 'list', name, '-o', 'json'])).stdout).backups;
      expect(listed[0].status).toBe('verified');
      const unreachable = await berth(['backup', 'create', name], { HOOK: 'http://127.0.0.1:9/nowhere' });
      expect(unreachable.code, unreachable.stderr).toBe(0);
      expect(unreachable.stderr).toContain('notification not delivered');
    } finally {
      hooks.status = 200;
    }
  });

  it('db drop takes a verified final backup first', async () => {
    const name = app('drop');
    const url = databaseUrl(adminUrl, db(name));
    await seed(url, 1_000);
    const before = await digest(url);
    const result = await berth(['db', 'drop', name, '--yes', name]);
    expect(result.code, result.stderr).toBe(0);
    const id = /Final backup (\S+) taken and verified/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    const listed = JSON.parse((await berth(['backup', 'list', name, '-o', 'json'])).stdout).backups;
    expect(listed[0]).toMatchObject({ id, reason: 'pre-drop', status: 'verified' });
    // It brings the data back.
    await berth(['db', 'create', name]);
    const aside = `back_${suffix}`;
    const restored = await berth(['backup', 'restore', name, id!, '--to-database', aside]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await digest(databaseUrl(adminUrl, aside))).toEqual(before);
  });

  it("an app using an extension with tables of its own (PostGIS's spatial_ref_sys kind): counted as pg_dump dumps them; verify --restore-test and restore pass", async () => {
    const name = app('ext');
    const url = databaseUrl(adminUrl, db(name));
    await installFixtureExtension(requireEnv().postgres.binDir);
    await seed(url, 500);
    // As the app's migrations would: its own role creates the extension and adds its rows.
    await withClient(url, async (client) => {
      await client.query(`SET ROLE ${pg.escapeIdentifier(db(name))}`);
      await client.query('CREATE EXTENSION berth_fixture');
      await client.query(`INSERT INTO berth_fixture_settings VALUES (101, 'mine', false), (102, 'also mine', false)`);
    });
    const { backup } = await json(['backup', 'create', name, '--no-verify']);
    // The rows pg_dump carries: the app's own settings, not the extension's; its cache table not at all.
    expect(backup.tables['public.berth_fixture_settings']).toBe(2);
    expect(backup.tables['public.berth_fixture_cache']).toBeUndefined();
    expect(backup.tables['public.events']).toBeGreaterThan(0);
    const verified = await berth(['backup', 'verify', name, '--restore-test']);
    expect(verified.code, verified.stderr).toBe(0);
    const restored = await berth(['backup', 'restore', name, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    await withClient(url, async (client) => {
      const { rows } = await client.query('SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT builtin)::int AS mine FROM berth_fixture_settings');
      expect(rows[0]).toEqual({ n: 52, mine: 2 });
    });
  });

  it('lists newest first with sizes and statuses in a table', async () => {
    const name = app('tripa');
    await seed(databaseUrl(adminUrl, db(name)), 10);
    await json(['backup', 'create', name]);
    await json(['backup', 'create', name, '--no-verify']);
    const table = await berth(['backup', 'list', name]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+SIZE\s+AGE\s+VERIFIED\s+SCHEMA/);
    expect(lines[1]).toMatch(/\scomplete\s/);
    expect(lines[2]).toMatch(/\sverified\s/);
    expect(readdirSync(storeDir(name)).filter((f) => f.includes('.partial-'))).toEqual([]);
    // The restarted Deployments are the app's only: none exist here, and the command says so.
    expect(kube()).toBeDefined();
  });

  it("runs the rendered CronJob's exact command with the environment its pod gets (the app's Secret, S3 keys, admin for the test restore)", async () => {
    const name = app('cron');
    await seed(databaseUrl(adminUrl, db(name)), 3_000, db(name));
    const harness = requireEnv();
    const config = project({
      port: harness.postgres.port,
      namespace: namespace.name,
      apps: APPS,
      store: { s3: { bucket: harness.s3!.bucket, endpoint: harness.s3!.endpoint, prefix: `cron-${suffix}`, credentialsSecret: 'backup-s3' } },
    });
    writeFileSync(join(dir, 'cron.json'), JSON.stringify({ ...config, cluster: { berthImage: 'ghcr.io/acme/berth:test' } }));
    const loaded = await loadConfig({ cwd: dir, file: 'cron.json' });
    expect(loaded.warnings).toEqual([]);
    const cron = render(loaded.config, 'it', { apps: [name] }).find((o) => o.kind === 'CronJob') as unknown as {
      spec: { jobTemplate: { spec: { template: { spec: { containers: { command: string[]; env: { name: string }[] }[] } } } } };
    };
    const container = cron.spec.jobTemplate.spec.template.spec.containers[0]!;
    expect(container.env.map((e) => e.name)).toEqual(['NODE_OPTIONS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'BERTH_BACKUP_ADMIN_URL']);
    // What the pod sees: the app's database Secret (envFrom) and the referenced keys.
    const secret = (await readSecret(await connectCluster({ kubeconfig: harness.kubeconfigPath }), namespace.name, `${name}-db`))!;
    const podEnv = {
      ...secret,
      AWS_ACCESS_KEY_ID: harness.s3!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: harness.s3!.secretAccessKey,
      BERTH_BACKUP_ADMIN_URL: adminUrl,
    };
    const [program, ...args] = container.command;
    expect(program).toBe('berth');
    const result = await cli(args, { cwd: tempDir(), env: podEnv });
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.event)).toEqual(['backup-started', 'backup-dumped', 'backup-verified', 'pruned', 'result']);
    expect(events.at(-1)).toMatchObject({ ok: true, status: 'verified', restoreTest: 'done' });
    // The same backup, seen from the CLI: verified with a test restore, by the app's own role.
    const listed = JSON.parse(
      (
        await berth(['backup', 'list', name, '-o', 'json', '-c', 'cron.json'], {
          AWS_ACCESS_KEY_ID: harness.s3!.accessKeyId,
          AWS_SECRET_ACCESS_KEY: harness.s3!.secretAccessKey,
        })
      ).stdout,
    ).backups;
    expect(listed[0]).toMatchObject({ reason: 'scheduled', status: 'verified' });
    expect(listed[0].restoreTestedAt).toBeDefined();
    // A second run finds the test restore done and not yet due.
    const again = await cli(args, { cwd: tempDir(), env: podEnv });
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, restoreTest: 'not-due' });
  });

  it('backupBeforeMigrate (for deploy) takes a verified pre-migrate backup and says how to restore it', async () => {
    const name = app('pre');
    await seed(databaseUrl(adminUrl, db(name)), 500, db(name));
    const loaded = await loadConfig({ cwd: dir });
    const result = await backupBeforeMigrate({
      config: loaded.config,
      configFile: loaded.file,
      identity: databaseIdentity(name, 'it'),
      namespace: namespace.name,
      adminUrl,
      cluster: async () => connectCluster({ kubeconfig: requireEnv().kubeconfigPath }),
      env: {},
    });
    expect(result).toMatchObject({ taken: true, restoreCommand: expect.stringMatching(new RegExp(`^berth backup restore ${name} \\S+ --env it$`)) });
    const listed = JSON.parse((await berth(['backup', 'list', name, '-o', 'json'])).stdout).backups;
    expect(listed[0]).toMatchObject({ id: (result as { id: string }).id, reason: 'pre-migrate', status: 'verified' });
    const { backups: _none, ...bare } = loaded.config;
    expect(
      await backupBeforeMigrate({
        config: bare,
        configFile: loaded.file,
        identity: databaseIdentity(name, 'it'),
        namespace: namespace.name,
        adminUrl,
        cluster: async () => connectCluster({}),
        env: {},
      }),
    ).toEqual({
      taken: false,
      reason: 'no backup store is configured (backups.store)',
    });
  });
});
