// Issue 4: `berth db create` for 50 apps in sequence, each as its own CLI process (as a user or a
// deploy would run it), against the test harness's Postgres and kube-apiserver (started if
// needed). Reports the first pass (everything created) and a second pass (all already there).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { fmt, stats, timeCommand } from './lib.mjs';
import { ensureUp } from '../testenv/index.ts';

const APPS = Number(process.env.APPS ?? 50);
const harness = await ensureUp();
const tag = randomBytes(3).toString('hex');
const apps = Array.from({ length: APPS }, (_, i) => `bench${tag}${String(i).padStart(2, '0')}`);
// A second set for the in-process pass, as deploy will call the library for each app.
const libraryApps = apps.map((a) => `${a}l`);
const namespace = `bench-db-${tag}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
const config = join(dir, 'berth.config.json');
writeFileSync(
  config,
  JSON.stringify({
    database: { mode: 'external', host: harness.postgres.host, port: harness.postgres.port, sslMode: 'disable', admin: { env: 'BENCH_ADMIN_URL' } },
    environments: { bench: { namespace } },
    apps: Object.fromEntries([...apps, ...libraryApps].map((a) => [a, { image: 'ghcr.io/acme/app', port: 3000, database: true }])),
  }),
);
// Credentials travel in the environment, never in argv.
const env = { ...process.env, BENCH_ADMIN_URL: harness.pgUrl, KUBECONFIG: harness.kubeconfigPath };
const create = (app) => timeCommand([process.execPath, 'bin/berth.js', 'db', 'create', app, '--config', config], { env });

try {
  const passes = {};
  for (const pass of ['CLI: new', 'CLI: again (no-op)']) {
    const started = performance.now();
    const samples = apps.map(create);
    passes[pass] = { wall: performance.now() - started, ...stats(samples) };
  }
  // In-process: one process, client-node imported once, the library function per app.
  const { loadConfig } = await import('../src/config/load.ts');
  const { appTarget } = await import('../src/db/app-target.ts');
  const { createAppDatabase } = await import('../src/db/provision.ts');
  const loaded = await loadConfig({ cwd: dir, file: config });
  const sources = { config: loaded.config, configFile: loaded.file, env };
  const shared = appTarget(sources, 'bench', libraryApps[0]);
  const cluster = await shared.cluster();
  const adminUrl = await shared.adminUrl();
  const librarySamples = [];
  const libraryStarted = performance.now();
  for (const app of libraryApps) {
    const target = appTarget(sources, 'bench', app);
    const t = performance.now();
    await createAppDatabase({ identity: target.identity, namespace: target.namespace, server: target.server, adminUrl, cluster });
    librarySamples.push(performance.now() - t);
  }
  passes['library, 1 process'] = { wall: performance.now() - libraryStarted, ...stats(librarySamples) };
  const startup = stats(Array.from({ length: 10 }, () => timeCommand([process.execPath, 'bin/berth.js', '--version'])));
  console.log(
    `\nberth db create, ${APPS} apps in sequence (CLI: one process per app; library: createAppDatabase in one process, as deploy will call it) (node ${process.version}, PostgreSQL on 127.0.0.1, kube-apiserver from testenv)`,
  );
  console.log(`${'pass'.padEnd(22)}${'wall'.padStart(12)}${'per app'.padStart(12)}${'p90'.padStart(10)}`);
  for (const [name, p] of Object.entries(passes))
    console.log(`${name.padEnd(22)}${`${(p.wall / 1000).toFixed(2)} s`.padStart(12)}${fmt(p.median).padStart(12)}${fmt(p.p90)}`);
  console.log(`(for scale: \`berth --version\` alone takes ${fmt(startup.median).trim()})`);
} finally {
  const client = new pg.Client({ connectionString: harness.pgUrl });
  await client.connect();
  for (const app of [...apps, ...libraryApps]) {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(`${app}_bench`)} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(`${app}_bench`)}`);
  }
  await client.end();
  const { kubectl } = await import('../testenv/cluster.ts');
  await kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => {});
}
