/**
 * `berth db adopt`: an operator's existing database and role (seed 003's `docfast`, seed 002's
 * `katforge`) taken over by name, explicitly, with real Postgres and a real kube-apiserver.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { cli, tempDir } from '../unit/cli-harness.ts';
import { describeCluster, kube, requireEnv, useNamespace, withClient } from './helpers.ts';

const suffix = randomBytes(3).toString('hex');
const app = `legacy${suffix}`;
const role = `legrole_${suffix}`;
const database = `legdb_${suffix}`;
const rootApp = `root${suffix}`;
const rootRole = `rootrole_${suffix}`;
const rootDb = `rootdb_${suffix}`;
const PASSWORD = 'legacy-pass-1';

describeCluster('adopting an existing database and role', () => {
  const namespace = useNamespace('adopt');
  let dir = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    const harness = requireEnv();
    dir = tempDir();
    writeFileSync(
      join(dir, 'berth.config.json'),
      JSON.stringify({
        database: { mode: 'external', host: '127.0.0.1', port: harness.postgres.port, sslMode: 'disable', admin: { env: 'ADMIN_URL' }, connectionLimit: 7 },
        environments: { it: { namespace: namespace.name } },
        apps: {
          [app]: { image: 'ghcr.io/acme/legacy', port: 3000, database: { name: database, role } },
          [rootApp]: { image: 'ghcr.io/acme/root', port: 3000, database: { name: rootDb, role: rootRole } },
        },
      }),
    );
    env = { ADMIN_URL: harness.pgUrl, KUBECONFIG: harness.kubeconfigPath };
    await withClient(harness.pgUrl, async (c) => {
      await c.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN PASSWORD '${PASSWORD}'`);
      await c.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} OWNER ${pg.escapeIdentifier(role)}`);
      await c.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(database)} IS 'made by hand in 2024'`);
      await c.query(`CREATE ROLE ${pg.escapeIdentifier(rootRole)} LOGIN SUPERUSER PASSWORD 'root-pass-1'`);
      await c.query(`CREATE DATABASE ${pg.escapeIdentifier(rootDb)} OWNER ${pg.escapeIdentifier(rootRole)}`);
    });
  });

  afterAll(async () => {
    await withClient(requireEnv().pgUrl, async (c) => {
      for (const [db, r] of [
        [database, role],
        [rootDb, rootRole],
      ]) {
        await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db!)} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(r!)}`);
      }
    });
  });

  const berth = (args: string[], input?: string) => cli(args, { cwd: dir, env, input });
  const comments = () =>
    withClient(requireEnv().pgUrl, async (c) => {
      const { rows } = await c.query(
        `SELECT (SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1) AS role,
                (SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $2) AS database`,
        [role, database],
      );
      return rows[0] as { role: string | null; database: string | null };
    });
  const login = async (url: string) =>
    withClient(url, (c) => c.query('SELECT current_user AS me')).then(
      (r) => r.rows[0].me as string,
      (e: { code?: string }) => e.code ?? 'failed',
    );

  it('is never done silently: db create refuses the existing objects and points to db adopt', async () => {
    const create = await berth(['db', 'create', app]);
    expect(create.code).toBe(ExitCode.conflict);
    expect(create.stderr).toContain(`berth db adopt ${app} --env it`);
    expect(await comments()).toEqual({ role: null, database: 'made by hand in 2024' });
  });

  it('changes nothing when the password given does not log in', async () => {
    const wrong = await berth(['db', 'adopt', app, '--password-stdin'], 'not-it-123\n');
    expect(wrong.code).toBe(ExitCode.usage);
    expect(wrong.stderr).toContain(`does not log in as ${role}`);
    expect(wrong.stderr).not.toContain('not-it-123');
    expect(await comments()).toEqual({ role: null, database: 'made by hand in 2024' });
  });

  it("marks both as the app's, writes the Secret with the current password, and db create then keeps it", async () => {
    const adopt = await berth(['db', 'adopt', app, '--password-stdin'], `${PASSWORD}\n`);
    expect(adopt.code, adopt.stderr).toBe(0);
    expect(adopt.stdout).toContain(`Adopted database ${database} and role ${role}`);
    expect(adopt.stderr).toContain('replaced the comment "made by hand in 2024"');
    const marker = `berth app=${app} environment=it`;
    expect(await comments()).toEqual({ role: marker, database: marker });

    const secret = await kube().core.readNamespacedSecret({ name: `${app}-db`, namespace: namespace.name });
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(data).toMatchObject({ PGUSER: role, PGDATABASE: database, PGPASSWORD: PASSWORD });
    const url = new URL(data.DATABASE_URL!);
    url.hostname = new URL(requireEnv().pgUrl).hostname;
    expect(await login(url.toString())).toBe(role);

    const again = await berth(['db', 'adopt', app]);
    expect(again.stdout).toContain('already berth');
    // From now on berth manages them: create keeps the working password and changes no Secret.
    const create = await berth(['db', 'create', app, '--json']);
    expect(create.code, create.stderr).toBe(0);
    expect(JSON.parse(create.stdout)).toMatchObject({ roleCreated: false, databaseCreated: false, passwordSet: false, secretWritten: false });
    expect(await login(url.toString())).toBe(role);
  });

  it('refuses a superuser role, whose password is an admin password', async () => {
    const adopt = await berth(['db', 'adopt', rootApp]);
    expect(adopt.code).toBe(ExitCode.conflict);
    expect(adopt.stderr).toContain(`Role ${rootRole} is a superuser`);
  });
});
