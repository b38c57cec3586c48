/**
 * Per-app databases on the shared PostgreSQL, end to end through the CLI (in-process): the role,
 * the database, the Secret in the app's namespace, and what another app's role can and cannot do.
 * Real Postgres and a real kube-apiserver from the harness.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { cli, tempDir } from '../unit/cli-harness.ts';
import { describeCluster, kube, requireEnv, useNamespace, withClient } from './helpers.ts';

const suffix = randomBytes(3).toString('hex');
// Each test provisions its own apps, so any one of them runs alone (`-t`) or in any order.
const shop = `shop${suffix}`;
const isoA = `isoa${suffix}`;
const isoB = `isob${suffix}`;
const rotated = `rot${suffix}`;
const bystander = `other${suffix}`;
const busy = `busy${suffix}`;
const lacking = `lack${suffix}`;
const repaired = `fix${suffix}`;
const extra = `extra${suffix}`;
const viaSecret = `sec${suffix}`;
const listA = `lsta${suffix}`;
const listB = `lstb${suffix}`;
const gone = `gone${suffix}`;
const handRole = `handrole${suffix}`;
const handDb = `handdb${suffix}`;
const databaseApps = [shop, isoA, isoB, rotated, busy, lacking, repaired, extra, viaSecret, listA, listB, gone, handRole, handDb];
const environment = 'it';
const dbName = (app: string) => `${app}_${environment}`;
// The reviewer's collision: these two pairs used to share one database.
const collideA = `c${suffix}-shop-web`;
const collideB = `c${suffix}-shop`;

describeCluster('per-app databases on the shared PostgreSQL', () => {
  const namespace = useNamespace('db');
  let dir = '';
  let env: Record<string, string> = {};

  beforeAll(() => {
    const harness = requireEnv();
    dir = tempDir();
    writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(config(harness.postgres.port, namespace.name)));
    const collide = config(harness.postgres.port, namespace.name);
    writeFileSync(
      join(dir, 'collide.json'),
      JSON.stringify({
        ...collide,
        environments: { qa: { namespace: namespace.name }, 'web-qa': { namespace: `${namespace.name}-wq` } },
        apps: { [collideA]: { image: 'ghcr.io/acme/a', port: 3000, database: true }, [collideB]: { image: 'ghcr.io/acme/b', port: 3000, database: true } },
      }),
    );
    env = { ADMIN_URL: harness.pgUrl, KUBECONFIG: harness.kubeconfigPath };
  });

  afterAll(async () => {
    const harness = requireEnv();
    await kube()
      .core.deleteNamespace({ name: `${namespace.name}-wq`, propagationPolicy: 'Background' })
      .catch(() => undefined);
    await withClient(harness.pgUrl, async (client) => {
      const names = [...databaseApps.map(dbName), `c${suffix}_shop_web__qa`, `c${suffix}_shop__web_qa`];
      for (const name of names) {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
      }
      for (const admin of [`admin${suffix}`, `weak${suffix}`]) await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(admin)}`);
    });
  });

  const berth = (args: string[], more: Record<string, string> = {}) => cli(args, { cwd: dir, env: { ...env, ...more } });
  const json = async (args: string[], more: Record<string, string> = {}) => {
    const result = await berth([...args, '--json'], more);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  const secret = async (app: string) => {
    const s = await kube().core.readNamespacedSecret({ name: `${app}-db`, namespace: namespace.name });
    const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    return { data, resourceVersion: s.metadata!.resourceVersion!, labels: s.metadata!.labels };
  };
  /** `berth db create APP` must succeed; returns the Secret's data it wrote. */
  const created = async (app: string) => {
    await json(['db', 'create', app]);
    return (await secret(app)).data;
  };
  /** A Deployment of `app` (labelled as berth labels them) in the test namespace. */
  const deployment = async (app: string) => {
    const labels = { 'berth.dev/app': app };
    await kube().apps.createNamespacedDeployment({
      namespace: namespace.name,
      body: {
        metadata: { name: app, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: `ghcr.io/acme/${app}:1` }] } },
        },
      },
    });
  };
  const podTemplateAnnotations = async (name: string) =>
    (await kube().apps.readNamespacedDeployment({ name, namespace: namespace.name })).spec!.template.metadata!.annotations;

  it('creates a login role, a database it owns and the Secret; a second run changes nothing', async () => {
    const first = await json(['db', 'create', shop]);
    expect(first).toMatchObject({ database: dbName(shop), role: dbName(shop), roleCreated: true, databaseCreated: true, secretWritten: true });
    const before = await secret(shop);
    expect(Object.keys(before.data).sort()).toEqual(['DATABASE_URL', 'PGDATABASE', 'PGHOST', 'PGPASSWORD', 'PGPORT', 'PGSSLMODE', 'PGUSER']);
    expect(before.data.PGPASSWORD!.length).toBeGreaterThanOrEqual(40);
    expect(before.labels).toMatchObject({ 'berth.dev/app': shop, 'berth.dev/environment': environment });
    // The URL in the Secret is what the app uses, and it works.
    expect(await login(before.data.DATABASE_URL!)).toBe('ok');

    const facts = await withClient(requireEnv().pgUrl, (c) =>
      c.query(
        // has_database_privilege resolves a NULL datacl to the defaults (PUBLIC may CONNECT and TEMP).
        `SELECT pg_get_userbyid(d.datdba) AS owner, r.rolconnlimit, r.rolsuper, r.rolcreatedb, r.rolcreaterole,
                has_database_privilege('public', d.datname, 'CONNECT') AS public_connect,
                has_database_privilege('public', d.datname, 'TEMPORARY') AS public_temporary
           FROM pg_database d JOIN pg_roles r ON r.rolname = $1 WHERE d.datname = $1`,
        [dbName(shop)],
      ),
    );
    expect(facts.rows[0]).toEqual({
      owner: dbName(shop),
      rolconnlimit: 7,
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      public_connect: false,
      public_temporary: false,
    });

    const second = await json(['db', 'create', shop]);
    expect(second).toMatchObject({ roleCreated: false, databaseCreated: false, passwordSet: false, secretWritten: false });
    const after = await secret(shop);
    expect(after.resourceVersion).toBe(before.resourceVersion);
    expect(after.data).toEqual(before.data);
  });

  it("keeps each app's role out of the other app's database", async () => {
    const a = await created(isoA);
    const b = await created(isoB);
    expect(await login(withDatabase(a.DATABASE_URL!, b.PGDATABASE!))).toBe('42501'); // permission denied for database
    expect(await login(withDatabase(b.DATABASE_URL!, a.PGDATABASE!))).toBe('42501');
    expect(await login(a.DATABASE_URL!)).toBe('ok');
    expect(await login(b.DATABASE_URL!)).toBe('ok');
  });

  it("rotates: a new password in the Secret, the old one refused, the pods of the app rolled and no other app's", async () => {
    const before = await created(rotated);
    await deployment(rotated);
    // Another app's Deployment in the same namespace: rotating must not restart it.
    await deployment(bystander);
    const bystanderBefore = await podTemplateAnnotations(bystander);
    expect(await podTemplateAnnotations(rotated)).toBeUndefined();

    const result = await json(['db', 'rotate', rotated]);
    expect(result.restarted).toEqual([rotated]);
    const after = (await secret(rotated)).data;
    expect(after.PGPASSWORD).not.toBe(before.PGPASSWORD);
    expect(await login(before.DATABASE_URL!)).toBe('28P01');
    expect(await login(after.DATABASE_URL!)).toBe('ok');
    expect((await podTemplateAnnotations(rotated))?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await podTemplateAnnotations(bystander)).toEqual(bystanderBefore);
  });

  it('will not drop the database of an app whose Deployments still run', async () => {
    const { DATABASE_URL: url } = await created(busy);
    await deployment(busy);
    const refused = await berth(['db', 'drop', busy, '--yes', busy]);
    expect(refused.code).toBe(ExitCode.conflict);
    expect(refused.stderr).toContain(`${busy} still has Deployments in ${namespace.name} (${busy}); not dropping its database`);
    expect(refused.stderr).toContain('--force');
    expect(await login(url!)).toBe('ok');
    expect((await secret(busy)).data.DATABASE_URL).toBe(url);
  });

  it('gives apps whose names used to collide their own databases', async () => {
    const qa = await json(['db', 'create', collideA, '--env', 'qa', '--config', 'collide.json']);
    const webQa = await json(['db', 'create', collideB, '--env', 'web-qa', '--config', 'collide.json']);
    expect(qa).toMatchObject({ database: `c${suffix}_shop_web__qa`, roleCreated: true, databaseCreated: true });
    expect(webQa).toMatchObject({ database: `c${suffix}_shop__web_qa`, roleCreated: true, databaseCreated: true });
    // The first app's credentials still work: nothing was reset or taken over.
    const first = await kube().core.readNamespacedSecret({ name: `${collideA}-db`, namespace: namespace.name });
    expect(await login(Buffer.from(first.data!.DATABASE_URL!, 'base64').toString())).toBe('ok');
  });

  it('refuses a role or database it did not create, and leaves it untouched', async () => {
    await withClient(requireEnv().pgUrl, async (c) => {
      await c.query(`CREATE ROLE ${pg.escapeIdentifier(dbName(handRole))} LOGIN PASSWORD 'made-by-hand-1'`);
      await c.query(`CREATE DATABASE ${pg.escapeIdentifier(dbName(handDb))}`);
    });
    const role = await berth(['db', 'create', handRole]);
    expect(role.code).toBe(ExitCode.conflict);
    expect(role.stderr).toContain(
      `Role ${dbName(handRole)} already exists and it was not created by berth; refusing to take it over for ${handRole} in ${environment}`,
    );
    expect(role.stderr).toContain(`DROP ROLE "${dbName(handRole)}"`);
    const handUrl = new URL(requireEnv().pgUrl);
    handUrl.username = dbName(handRole);
    handUrl.password = 'made-by-hand-1';
    handUrl.pathname = '/postgres';
    expect(await login(handUrl.toString())).toBe('ok');

    const database = await berth(['db', 'create', handDb]);
    expect(database.code).toBe(ExitCode.conflict);
    expect(database.stderr).toContain(`Database ${dbName(handDb)} already exists and it was not created by berth`);
    const left = await withClient(requireEnv().pgUrl, (c) =>
      c.query(
        `SELECT (SELECT count(*) FROM pg_database WHERE datname = $1)::int AS hand_role_dbs, (SELECT count(*) FROM pg_roles WHERE rolname = $2)::int AS hand_db_roles,
                (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $2) AS owner, (SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1) AS comment`,
        [dbName(handRole), dbName(handDb)],
      ),
    );
    expect(left.rows[0]).toEqual({ hand_role_dbs: 0, hand_db_roles: 0, owner: new URL(requireEnv().pgUrl).username, comment: null });
    await expect(kube().core.readNamespacedSecret({ name: `${handRole}-db`, namespace: namespace.name })).rejects.toMatchObject({ code: 404 });

    const drop = await berth(['db', 'drop', handDb, '--yes', handDb]);
    expect(drop.code).toBe(ExitCode.conflict);
    expect((await withClient(requireEnv().pgUrl, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName(handDb)]))).rowCount).toBe(1);
  });

  it('says which privilege the admin role lacks, with exit 3', async () => {
    const weak = `weak${suffix}`;
    await withClient(requireEnv().pgUrl, (c) => c.query(`CREATE ROLE ${pg.escapeIdentifier(weak)} LOGIN CREATEDB PASSWORD 'weak-admin-pw-1'`));
    const url = new URL(requireEnv().pgUrl);
    url.username = weak;
    url.password = 'weak-admin-pw-1';
    const result = await berth(['db', 'create', lacking], { ADMIN_URL: url.toString() });
    expect(result.code).toBe(ExitCode.unreachable);
    expect(result.stderr).toContain(`The admin role ${weak} lacks CREATEROLE`);
    expect(result.stderr).toContain(`ALTER ROLE "${weak}" CREATEROLE`);
    const left = await withClient(requireEnv().pgUrl, (c) => c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [dbName(lacking)]));
    expect(left.rowCount).toBe(0);
  });

  it('repairs: a password changed behind its back is reset to the Secret, a lost Secret gets a new password', async () => {
    const stored = await created(repaired);
    await withClient(requireEnv().pgUrl, (c) => c.query(`ALTER ROLE ${pg.escapeIdentifier(dbName(repaired))} PASSWORD 'changed-by-hand'`));
    expect(await login(stored.DATABASE_URL!)).toBe('28P01');
    expect(await json(['db', 'create', repaired])).toMatchObject({ passwordSet: true, secretWritten: false });
    expect(await login(stored.DATABASE_URL!)).toBe('ok');

    await kube().core.deleteNamespacedSecret({ name: `${repaired}-db`, namespace: namespace.name });
    expect(await json(['db', 'create', repaired])).toMatchObject({ roleCreated: false, passwordSet: true, secretWritten: true });
    const fresh = (await secret(repaired)).data;
    expect(fresh.PGPASSWORD).not.toBe(stored.PGPASSWORD);
    expect(await login(fresh.DATABASE_URL!)).toBe('ok');
    expect(await login(stored.DATABASE_URL!)).toBe('28P01');
  });

  it('works with an admin that has only CREATEROLE and CREATEDB, as on a managed server', async () => {
    const admin = `admin${suffix}`;
    const password = randomBytes(12).toString('hex');
    await withClient(requireEnv().pgUrl, (c) =>
      c.query(`CREATE ROLE ${pg.escapeIdentifier(admin)} LOGIN CREATEROLE CREATEDB PASSWORD ${pg.escapeLiteral(password)}`),
    );
    const url = new URL(requireEnv().pgUrl);
    url.username = admin;
    url.password = password;
    expect(await json(['db', 'create', extra], { ADMIN_URL: url.toString() })).toMatchObject({ roleCreated: true, databaseCreated: true });
    expect(await login((await secret(extra)).data.DATABASE_URL!)).toBe('ok');
  });

  it("reads the admin URL from a Kubernetes Secret, as CloudNativePG's superuser Secret holds it (database `*`)", async () => {
    const star = new URL(requireEnv().pgUrl);
    star.pathname = '/*';
    await kube().core.createNamespacedSecret({
      namespace: namespace.name,
      body: { metadata: { name: 'pg-superuser' }, stringData: { uri: star.toString() } },
    });
    const withSecret = config(requireEnv().postgres.port, namespace.name);
    withSecret.database.admin = { secret: { namespace: namespace.name, name: 'pg-superuser', key: 'uri' } } as never;
    writeFileSync(join(dir, 'secret-admin.json'), JSON.stringify(withSecret));
    const result = await json(['db', 'create', viaSecret, '--config', 'secret-admin.json'], { ADMIN_URL: '' });
    expect(result).toMatchObject({ database: dbName(viaSecret), roleCreated: true, databaseCreated: true });
    expect(await login((await secret(viaSecret)).data.DATABASE_URL!)).toBe('ok');
  });

  it('lists the databases it created with owner, size and connections', async () => {
    await created(listA);
    await created(listB);
    const { databases } = await json(['db', 'list', '--env', environment]);
    const mine = databases.filter((d: { app: string }) => [listA, listB].includes(d.app));
    expect(mine.map((d: { name: string }) => d.name).sort()).toEqual([dbName(listA), dbName(listB)].sort());
    for (const d of mine) {
      expect(d.owner).toBe(d.name);
      expect(d.sizeBytes).toBeGreaterThan(1_000_000);
      expect(typeof d.connections).toBe('number');
      expect(d.connectionLimit).toBe(7);
    }
    const text = await berth(['db', 'list']);
    expect(text.stdout).toMatch(new RegExp(`${dbName(listA)}\\s+${listA}\\s+${environment}\\s+${dbName(listA)}\\s+\\d`));
  });

  it('drops with --yes APP: open sessions terminated, database, role and Secret gone', async () => {
    const url = (await created(gone)).DATABASE_URL!;
    const open = new pg.Client({ connectionString: url });
    open.on('error', () => {});
    await open.connect();
    const result = await json(['db', 'drop', gone, '--yes', gone]);
    expect(result).toMatchObject({ databaseDropped: true, roleDropped: true, secretDeleted: true, terminatedSessions: 1 });
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await open.end().catch(() => {});
    const left = await withClient(requireEnv().pgUrl, (c) =>
      c.query('SELECT (SELECT count(*) FROM pg_database WHERE datname = $1)::int AS dbs, (SELECT count(*) FROM pg_roles WHERE rolname = $1)::int AS roles', [
        dbName(gone),
      ]),
    );
    expect(left.rows[0]).toEqual({ dbs: 0, roles: 0 });
    await expect(secret(gone)).rejects.toMatchObject({ code: 404 });
  });

  it('fails clearly on an unreachable server, a wrong admin password, no database: true, an unreachable cluster', async () => {
    const closed = new URL(requireEnv().pgUrl);
    closed.port = '1';
    const unreachable = await berth(['db', 'create', shop], { ADMIN_URL: closed.toString() });
    expect(unreachable.code).toBe(ExitCode.unreachable);
    expect(unreachable.stderr).toContain('Cannot reach the admin connection');
    expect(unreachable.stderr).toContain('connection refused');
    expect(unreachable.stderr).not.toContain(closed.password);

    const wrong = new URL(requireEnv().pgUrl);
    wrong.password = 'not-the-password-123';
    const refused = await berth(['db', 'create', shop], { ADMIN_URL: wrong.toString() });
    expect(refused.code).toBe(ExitCode.unreachable);
    expect(refused.stderr).toContain('wrong password');
    expect(refused.stderr).not.toContain('not-the-password-123');

    const plain = await berth(['db', 'create', 'static']);
    expect(plain.code).toBe(ExitCode.usage);
    expect(plain.stderr).toContain('does not use a database (database: true is not set)');

    const deadKubeconfig = join(dir, 'dead-kubeconfig');
    writeFileSync(deadKubeconfig, readFileSync(requireEnv().kubeconfigPath, 'utf8').replace(/server: https:\/\/[^\s]+/, 'server: https://127.0.0.1:1'));
    const noCluster = await berth(['db', 'create', shop], { KUBECONFIG: deadKubeconfig });
    expect(noCluster.code).toBe(ExitCode.unreachable);
    expect(noCluster.stderr).toContain('the Kubernetes API is unreachable');
  });
});

function config(port: number, namespace: string) {
  return {
    database: { mode: 'external', host: '127.0.0.1', port, sslMode: 'disable', admin: { env: 'ADMIN_URL' }, connectionLimit: 7 },
    environments: { [environment]: { namespace } },
    apps: {
      ...Object.fromEntries(databaseApps.map((app) => [app, { image: `ghcr.io/acme/${app}`, port: 3000, database: true }])),
      static: { image: 'ghcr.io/acme/static', port: 80 },
    },
  };
}

/** 'ok', or the SQLSTATE / socket code the login failed with. */
async function login(url: string): Promise<string> {
  try {
    await withClient(url, (c) => c.query('SELECT 1'));
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
