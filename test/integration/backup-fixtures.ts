// Shared pieces of the backup tests: a project whose apps use the harness's Postgres, data
// generators, a concurrent writer, and a table digest for exact comparisons.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { run } from '../../testenv/run.ts';
import { withClient } from './helpers.ts';

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function project(options: { port: number; namespace: string; apps: string[]; store: object; webhookEnv?: string; extra?: object }) {
  return {
    database: { mode: 'external', host: '127.0.0.1', port: options.port, admin: { env: 'ADMIN_URL' } },
    backups: { store: options.store, ...(options.webhookEnv ? { slackWebhook: { env: options.webhookEnv } } : {}), ...options.extra },
    environments: { it: { namespace: options.namespace } },
    apps: Object.fromEntries(
      options.apps.map((app) => [
        app,
        { image: 'ghcr.io/acme/app', port: 3000, database: true, backups: { schedule: '0 3 * * *', timeZone: 'Australia/Perth' } },
      ]),
    ),
  };
}

/** Tables a writer works on: insert-only events, a counter moved in the same transaction, accounts whose sum never changes. */
export async function seed(url: string, rows = 2_000, role?: string): Promise<void> {
  await withClient(url, async (client) => {
    // As the app's role, as its migrations would: the app owns its tables.
    if (role) await client.query(`SET ROLE ${pg.escapeIdentifier(role)}`);
    await client.query(`
      CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE counter (n bigint NOT NULL);
      CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
      CREATE TABLE "Odd ""Name""" (note text);
      INSERT INTO "Odd ""Name""" VALUES (E'tab\\there'), (E'new\\nline'), ('\\.'), (NULL);
      INSERT INTO counter VALUES (0);
      INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, 50) g;`);
    await client.query(`INSERT INTO events SELECT g, md5(g::text) || repeat('x', g % 50) FROM generate_series(1, $1) g`, [rows]);
    await client.query('UPDATE counter SET n = $1', [rows]);
  });
}

/** Adds `megabytes` of poorly compressible text (md5 hex) to a table `bulk`. */
export async function bulk(url: string, megabytes: number): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('CREATE TABLE IF NOT EXISTS bulk (id bigserial PRIMARY KEY, payload text NOT NULL)');
    const rows = Math.ceil((megabytes * 1024 * 1024) / 200);
    await client.query(
      `INSERT INTO bulk (payload) SELECT md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, $1)`,
      [rows],
    );
  });
}

/** Writes in a loop until stopped: one event, the counter and a transfer per transaction. Reconnects when cut off. */
export function startWriter(url: string): { stop: () => Promise<number>; errors: () => number } {
  let running = true;
  let errors = 0;
  let written = 0;
  const loop = (async () => {
    while (running) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      try {
        await client.connect();
        while (running) {
          const from = 1 + Math.floor(Math.random() * 50);
          const to = 1 + Math.floor(Math.random() * 50);
          await client.query('BEGIN');
          const { rows } = await client.query('UPDATE counter SET n = n + 1 RETURNING n');
          await client.query('INSERT INTO events (id, payload) VALUES ($1, $2)', [rows[0].n, randomBytes(24).toString('hex')]);
          await client.query('UPDATE accounts SET balance = balance - 7 WHERE id = $1', [from]);
          await client.query('UPDATE accounts SET balance = balance + 7 WHERE id = $1', [to]);
          await client.query('COMMIT');
          written++;
        }
      } catch {
        errors++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        await client.end().catch(() => {});
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return written;
    },
    errors: () => errors,
  };
}

/** An exact digest of the events up to `maxId`, the counter and the accounts. */
export async function digest(
  url: string,
  maxId?: number,
): Promise<{ maxId: number; events: string; counter: number; total: number; accounts: string; odd: string }> {
  return withClient(url, async (client) => {
    const max = maxId ?? Number((await client.query('SELECT coalesce(max(id), 0) AS m FROM events')).rows[0].m);
    const events = await client.query(`SELECT count(*)::int AS c, md5(string_agg(id || ':' || payload, ',' ORDER BY id)) AS h FROM events WHERE id <= $1`, [
      max,
    ]);
    const counter = Number((await client.query('SELECT n FROM counter')).rows[0].n);
    const accounts = await client.query(`SELECT sum(balance)::int AS total, md5(string_agg(id || ':' || balance, ',' ORDER BY id)) AS h FROM accounts`);
    const odd = await client.query(`SELECT md5(string_agg(coalesce(note, '<null>'), '|' ORDER BY note NULLS FIRST)) AS h FROM "Odd ""Name"""`);
    return {
      maxId: max,
      events: `${events.rows[0].c}:${events.rows[0].h}`,
      counter,
      total: accounts.rows[0].total,
      accounts: accounts.rows[0].h,
      odd: odd.rows[0].h,
    };
  });
}

/**
 * A PostGIS-like extension for tests: a configuration table whose extension-made rows pg_dump
 * leaves out (pg_extension_config_dump with a filter, as PostGIS does for spatial_ref_sys) and a
 * plain table of its own that pg_dump never dumps. Installed into the test server's extension
 * directory (files only; `CREATE EXTENSION berth_fixture` in a database uses it). Trusted, so an
 * app's own role may create it, as with pgcrypto; its objects then belong to the bootstrap
 * superuser, and the script lets the creating role add rows to the configuration table.
 */
export async function installFixtureExtension(binDir: string): Promise<void> {
  const { stdout } = await run([join(binDir, 'pg_config'), '--sharedir']);
  const dir = join(stdout.trim(), 'extension');
  writeFileSync(join(dir, 'berth_fixture.control'), "comment = 'berth test fixture'\ndefault_version = '1.0'\nrelocatable = false\ntrusted = true\n");
  writeFileSync(
    join(dir, 'berth_fixture--1.0.sql'),
    `CREATE TABLE berth_fixture_settings (id int PRIMARY KEY, name text, builtin boolean NOT NULL DEFAULT false);
INSERT INTO berth_fixture_settings SELECT g, 'builtin ' || g, true FROM generate_series(1, 50) g;
SELECT pg_catalog.pg_extension_config_dump('berth_fixture_settings', 'WHERE NOT builtin');
GRANT SELECT ON berth_fixture_settings TO PUBLIC;
GRANT INSERT, UPDATE, DELETE ON berth_fixture_settings TO @extowner@;
CREATE TABLE berth_fixture_cache (k text);
INSERT INTO berth_fixture_cache SELECT 'k' || g FROM generate_series(1, 7) g;
GRANT SELECT ON berth_fixture_cache TO PUBLIC;
`,
  );
}
