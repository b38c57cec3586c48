/**
 * berth's own image, built from the repository's Dockerfile (`npm run image -- build`; rebuilt here
 * when the source changed since), running berth as the cluster would: the migrate init container
 * that `berth render` emits, with the app's Secret from `berth db create` as its environment and
 * its migrations volume, run by podman beside the kwok cluster (whose pods run nothing) against
 * the test PostgreSQL on 127.0.0.1.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH_VERSION, buildImage, containerEnv, IMAGE, podman, runContainer, runImage, runInImage, startInImage } from '../../testenv/image/index.ts';
import { cli, tempDir } from '../unit/cli-harness.ts';
import { kube, requireEnv, testEnv, useNamespace, waitFor, withClient } from './helpers.ts';

const skipImage = process.env.BERTH_SKIP_IMAGE === '1';
if (skipImage && testEnv() !== null) {
  const banner = '!'.repeat(78);
  console.warn(
    `\n${banner}\n!! BERTH_SKIP_IMAGE=1: the tests of berth's image are SKIPPED.\n!! Nothing checked that berth runs inside its own container image.\n${banner}\n`,
  );
}

const app = `img${Math.random().toString(36).slice(2, 8)}`;
const environment = 'it';
const database = `${app}_${environment}`;

describe.skipIf(testEnv() === null || skipImage)("berth's image", () => {
  const namespace = useNamespace('img');
  let dir = '';

  beforeAll(async () => {
    // prepare.sh built it; this is a no-op unless the source changed since (then a warm rebuild).
    await buildImage();
    dir = tempDir();
    writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(config(requireEnv().postgres.port, namespace.name)));
  }, 20 * 60_000);

  afterAll(async () => {
    const env = testEnv();
    if (!env || skipImage) return;
    await withClient(env.pgUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(database)}`);
    });
  });

  it('runs berth --version as a non-root user', async () => {
    const version = await runInImage(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(BERTH_VERSION);
    const id = await runInImage([], { entrypoint: ['id'] });
    expect(id.stdout.trim()).toBe('uid=1000(node) gid=1000(node) groups=1000(node)');
    // The kubelet refuses runAsNonRoot for an image whose USER is a name it cannot check.
    const { stdout: user } = await podman(['image', 'inspect', '--format', '{{ .Config.User }}', runImage()]);
    expect(user.trim()).toBe('1000:1000');
  });

  it("carries a pg_dump whose major version is at least the test server's", async () => {
    const server = await withClient(requireEnv().pgUrl, (c) => c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v"));
    const serverMajor = Math.floor(Number(server.rows[0]!.v) / 10_000);
    const dump = await runInImage(['--version'], { entrypoint: ['pg_dump'] });
    expect(dump.code, dump.stderr).toBe(0);
    const clientMajor = Number(/\(PostgreSQL\) (\d+)/.exec(dump.stdout)?.[1]);
    expect(clientMajor).toBeGreaterThanOrEqual(serverMajor);
  });

  it('serves a long-running process on the host network until stopped (for the admin page later)', async () => {
    const port = await freePort();
    const server = await startInImage(
      ['-e', `require('node:http').createServer((q, r) => r.end('in the image as ' + process.getuid())).listen(${port}, '127.0.0.1')`],
      {
        entrypoint: ['node'],
      },
    );
    try {
      const body = await waitFor('the server in the image', () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text()), { timeoutMs: 20_000 });
      expect(body).toBe('in the image as 1000');
    } finally {
      await server.stop(1);
    }
    const { stdout } = await podman(['ps', '--all', '--format', '{{.Names}}']);
    expect(stdout.split('\n')).not.toContain(server.name);
  });

  describe('the rendered migrate init container', () => {
    let migrate: V1Container;
    let env: Record<string, string> = {};
    let migrations = '';

    beforeAll(async () => {
      const harness = requireEnv();
      const created = await cli(['db', 'create', app, '--json'], { cwd: dir, env: { ADMIN_URL: harness.pgUrl, KUBECONFIG: harness.kubeconfigPath } });
      expect(created.code, created.stderr).toBe(0);
      const rendered = await cli(['render', '--app', app, '-o', 'json'], { cwd: dir });
      expect(rendered.code, rendered.stderr).toBe(0);
      const parsed = JSON.parse(rendered.stdout) as { items?: unknown[] } | unknown[];
      const items = (Array.isArray(parsed) ? parsed : (parsed.items ?? [])) as { kind: string }[];
      const deployment = items.find((o) => o.kind === 'Deployment') as V1Deployment | undefined;
      const found = deployment?.spec?.template.spec?.initContainers?.find((c) => c.name === 'migrate');
      if (!found) throw new Error(`no migrate init container in the rendered Deployment:\n${rendered.stdout}`);
      migrate = found;
      // Read back from the cluster as the kubelet would: the Secret that db create wrote.
      env = await containerEnv(kube().core, namespace.name, migrate);
      // The emptyDir the copy-migrations container fills (world-writable, like an emptyDir).
      migrations = join(dir, 'migrations-volume');
      mkdirSync(migrations);
      chmodSync(migrations, 0o777);
    });

    const write = (name: string, sql: string) => writeFileSync(join(migrations, name), sql, { mode: 0o644 });
    const run = () => runContainer(migrate, { env, volumes: { 'berth-migrations': migrations } });

    it('is berth migrate apply from the configured berth image, with the app database Secret', () => {
      expect(migrate.image).toBe(IMAGE);
      expect(migrate.command?.slice(0, 3)).toEqual(['berth', 'migrate', 'apply']);
      expect(Object.keys(env)).toContain('DATABASE_URL');
    });

    it('applies the migrations as the app role, then finds nothing to do', async () => {
      write('0001_orders.sql', 'CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric NOT NULL);\n');
      write('0002_seed.sql', 'INSERT INTO orders (total) VALUES (12.50), (7);\n');
      const first = await run();
      expect(first.code, `${first.argv.join(' ')}\n${first.stderr}`).toBe(0);
      expect(first.stdout).toContain('Applied 2 migrations');
      // The password reached the container through the environment, never podman's argv.
      expect(first.argv.join(' ')).not.toContain(env.PGPASSWORD!);

      const facts = await withClient(appDatabaseAdminUrl(), async (c) => ({
        owner: (await c.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'orders'`)).rows[0]?.tableowner,
        rows: (await c.query('SELECT count(*)::int AS n FROM orders')).rows[0]?.n,
        journal: (await c.query('SELECT name FROM berth.migrations ORDER BY name')).rows.map((r) => r.name),
      }));
      expect(facts).toEqual({ owner: database, rows: 2, journal: ['0001_orders.sql', '0002_seed.sql'] });

      const second = await run();
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('Nothing to apply: 2 migrations already applied');
    });

    it('fails the init container on a broken migration and leaves the database as it was', async () => {
      write('0003_broken.sql', 'ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ADD COLUMN oops nonexistent_type;\n');
      const result = await run();
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('0003_broken.sql');
      const columns = await withClient(appDatabaseAdminUrl(), async (c) =>
        (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position`)).rows.map(
          (r) => r.column_name,
        ),
      );
      expect(columns).toEqual(['id', 'total']);
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The test superuser in the app's database, to look at what the migrations did. */
function appDatabaseAdminUrl(): string {
  const url = new URL(requireEnv().pgUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function config(port: number, namespace: string) {
  return {
    cluster: { berthImage: IMAGE },
    database: { mode: 'external', host: '127.0.0.1', port, sslMode: 'disable', admin: { env: 'ADMIN_URL' } },
    environments: { [environment]: { namespace } },
    apps: { [app]: { image: `ghcr.io/acme/${app}:1`, port: 3000, database: true, migrate: { dir: '/app/migrations' } } },
  };
}
