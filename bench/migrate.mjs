// Issue 4: `berth migrate apply` of 200 small migrations (each file its own transaction, journal
// row, under the advisory lock) next to the same SQL through `psql -1 -f` (one file, one
// transaction, no journal), in the same run on the same throwaway PostgreSQL.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { fmt, stats, timeCommand } from './lib.mjs';
import { postgresDown, postgresUp } from '../testenv/postgres.ts';

const COUNT = Number(process.env.MIGRATIONS ?? 200);
const RUNS = Number(process.env.RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-mig-'));
const migrations = join(dir, 'migrations');
mkdirSync(migrations);
const files = Array.from({ length: COUNT }, (_, i) => {
  const n = String(i + 1).padStart(4, '0');
  return [
    `${n}_step.sql`,
    `CREATE TABLE t${n} (id serial PRIMARY KEY, name text NOT NULL);\nCREATE INDEX t${n}_name ON t${n} (name);\nINSERT INTO t${n} (name) VALUES ('a'), ('b');\n`,
  ];
});
for (const [name, sql] of files) writeFileSync(join(migrations, name), sql);
const combined = join(dir, 'all.sql');
writeFileSync(combined, files.map(([, sql]) => sql).join(''));

const server = await postgresUp();
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const url = (db) => Object.assign(new URL(server.url), { pathname: `/${db}` }).toString();
  const samples = { berth: [], psql: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const tool of ['berth', 'psql']) {
      const db = `bench_${tool}_${run}`;
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(db)}`);
      // Both get the password from the environment, as berth's own spawned tools do.
      const env =
        tool === 'berth'
          ? { ...process.env, DATABASE_URL: url(db) }
          : { ...process.env, PGHOST: server.host, PGPORT: String(server.port), PGUSER: server.user, PGPASSWORD: server.password, PGDATABASE: db };
      const argv =
        tool === 'berth'
          ? [process.execPath, 'bin/berth.js', 'migrate', 'apply', '--dir', migrations]
          : [join(server.binDir, 'psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-f', combined];
      samples[tool].push(timeCommand(argv, { env }));
      const tables = await new pg.Client({ connectionString: url(db) });
      await tables.connect();
      const { rows } = await tables.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 't%' AND schemaname = 'public'`);
      await tables.end();
      if (rows[0].n !== COUNT) throw new Error(`${tool} created ${rows[0].n} tables, expected ${COUNT}`);
    }
  }
  await admin.end();
  const b = stats(samples.berth);
  const p = stats(samples.psql);
  console.log(`\n${COUNT} small migrations (CREATE TABLE + INDEX + INSERT each), ${RUNS} runs each on a fresh database (PostgreSQL, fsync off)`);
  console.log(`${'tool'.padEnd(44)}${'median'.padStart(10)}${'min'.padStart(10)}`);
  console.log(`${'berth migrate apply (200 tx + journal)'.padEnd(44)}${fmt(b.median)}${fmt(b.min)}`);
  console.log(`${'psql -1 -f all.sql (one tx, no journal)'.padEnd(44)}${fmt(p.median)}${fmt(p.min)}`);
  console.log(`berth/psql: ${(b.median / p.median).toFixed(2)}×; per migration: ${((b.median - p.median) / COUNT).toFixed(2)} ms more than psql`);
} finally {
  await postgresDown(server);
}
