// The benchmark's own PostgreSQL with generated data, built once and cached outside the repo in
// $BERTH_BENCH_DIR (default /var/tmp/berth-bench: the server runs as the postgres user, which
// cannot enter /root where ~/.cache lives): `bench_prod` (about 1 GB) and `small_prod` (about 100 MB), owned by
// login roles of the same names, as `berth db create` would make them.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { findPostgresBin } from '../testenv/postgres.ts';

export const benchDir = process.env.BERTH_BENCH_DIR ?? '/var/tmp/berth-bench';
const dataDir = join(benchDir, 'pg');
const PASSWORD = 'bench';

function owner() {
  if (process.getuid?.() !== 0) return {};
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === 'postgres');
  return entry ? { uid: Number(entry[2]), gid: Number(entry[3]) } : {};
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the bench server (initdb the first time); returns { url, port, stop }. */
export async function startBenchPostgres() {
  const bin = findPostgresBin();
  const as = owner();
  mkdirSync(benchDir, { recursive: true });
  if (as.uid !== undefined) chownSync(benchDir, as.uid, as.gid);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const pwfile = join(benchDir, 'pwfile');
    writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (as.uid !== undefined) chownSync(pwfile, as.uid, as.gid);
    const r = spawnSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'bench', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-locale', '--encoding=UTF8'], {
      ...as,
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('initdb failed');
  }
  const port = await freePort();
  const log = openSync(join(benchDir, 'postgres.log'), 'a');
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'max_wal_size=4GB',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    { ...as, detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  const url = `postgres://bench:${PASSWORD}@127.0.0.1:${port}/postgres`;
  for (let i = 0; ; i++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      if (i > 300) throw new Error('bench postgres did not start');
      await sleep(100);
    }
  }
  return {
    url,
    port,
    bin,
    stop: async () => {
      process.kill(child.pid, 'SIGINT');
      for (let i = 0; i < 300; i++) {
        try {
          process.kill(child.pid, 0);
        } catch {
          return;
        }
        await sleep(100);
      }
    },
  };
}

/** Creates and fills a database of about `megabytes` unless it exists already. */
export async function ensureDatabase(url, name, megabytes) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    const done = await admin.query(`SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`, [name]);
    if (exists.rowCount && done.rows[0]?.c?.startsWith('berth app=')) return;
    process.stderr.write(`generating ${name} (~${megabytes} MB, once)…\n`);
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} LOGIN; END IF; END $$`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: u.toString() });
  await db.connect();
  // Rows of ~110 and ~190 bytes: 60% of the size in orders, 40% in events.
  const orders = Math.round((megabytes * 0.6 * 1024 * 1024) / 110);
  const events = Math.round((megabytes * 0.4 * 1024 * 1024) / 190);
  await db.query(`SET ROLE ${name}`);
  await db.query(
    `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, note text)`,
  );
  await db.query(
    `INSERT INTO orders SELECT g, (g::bigint * 7919) % 100000, (g % 100000) / 100.0, (ARRAY['new','paid','shipped','refunded'])[1 + g % 4], timestamptz '2024-01-01' + g * interval '7 seconds', 'order ' || g || ' for customer ' || ((g::bigint * 7919) % 100000) || ' ' || left(md5(g::text), 12) FROM generate_series(1, $1) g`,
    [orders],
  );
  await db.query(`CREATE TABLE events (id bigint PRIMARY KEY, order_id bigint NOT NULL, kind text NOT NULL, payload jsonb NOT NULL)`);
  await db.query(
    `INSERT INTO events SELECT g, g / 2, (ARRAY['view','click','pay','ship','mail'])[1 + g % 5], jsonb_build_object('ip', '10.' || (g % 250) || '.' || (g % 199) || '.' || (g % 97), 'agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/' || (100 + g % 30), 'session', md5((g / 10)::text), 'n', g) FROM generate_series(1, $1) g`,
    [events],
  );
  await db.query('CREATE INDEX ON orders (customer_id)');
  await db.query('CREATE INDEX ON events (order_id)');
  await db.query('RESET ROLE');
  await db.query(`COMMENT ON DATABASE ${name} IS 'berth app=${name.split('_')[0]} environment=prod'`);
  await db.query(`VACUUM ANALYZE`);
  await db.end();
}
