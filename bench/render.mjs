// Issue 2: `berth render` of a 100-app config must take at most 0.3 s wall, start-up included.
// Baseline in the same run: `berth --version`, the floor any berth command pays.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { compare, fmt } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 15);
const APPS = 100;
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
const apps = {};
for (let i = 0; i < APPS; i++) {
  apps[`app-${i}`] = {
    image: `ghcr.io/bench/app-${i}`,
    port: 3000,
    domains: [`app-${i}.bench.dev`],
    health: { path: '/healthz' },
    replicas: 2,
    env: { NODE_ENV: 'production', INDEX: String(i) },
    secrets: ['SESSION_SECRET'],
    database: true,
    migrate: { command: ['node', 'migrate.js'] },
    processes: { worker: { command: ['node', 'worker.js'], singleton: true } },
    cron: { nightly: { schedule: '0 3 * * *', command: ['node', 'nightly.js'] } },
  };
}
const config = {
  database: { mode: 'external', host: '10.0.0.2', admin: { env: 'PG_ADMIN_URL' } },
  environments: { production: { namespace: 'bench' } },
  apps,
};
const file = join(dir, 'berth.config.yaml');
writeFileSync(file, stringify(config));

const result = compare(
  {
    'berth render (100 apps)': [process.execPath, 'bin/berth.js', 'render', '--config', file, '--tag', '1.0.0'],
    'berth --version': [process.execPath, 'bin/berth.js', '--version'],
  },
  RUNS,
);
const render = result['berth render (100 apps)'];
console.log(`\nRender of ${APPS} apps (${APPS * 9 + 1} objects), ${RUNS} runs, wall time including start-up`);
console.log(`${'command'.padEnd(28)}${'median'.padStart(10)}${'p90'.padStart(10)}`);
for (const [name, s] of Object.entries(result)) console.log(`${name.padEnd(28)}${fmt(s.median)}${fmt(s.p90)}`);
console.log(`limit 300 ms: ${render.p90 <= 300 ? 'OK' : 'OVER LIMIT'} (p90 ${render.p90.toFixed(1)} ms)`);
process.exitCode = render.p90 <= 300 ? 0 : 1;
