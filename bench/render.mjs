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
// The same config in each format berth reads; TypeScript is the one `berth init` writes.
const files = {
  ts: join(dir, 'berth.config.ts'),
  json: join(dir, 'berth.config.json'),
  yaml: join(dir, 'berth.config.yaml'),
};
writeFileSync(files.ts, `export default ${JSON.stringify(config, null, 2)};\n`);
writeFileSync(files.json, JSON.stringify(config, null, 2));
writeFileSync(files.yaml, stringify(config));
const file = files.yaml;

const commands = Object.fromEntries(
  Object.entries(files).map(([format, path]) => [`berth render (${format})`, [process.execPath, 'bin/berth.js', 'render', '--config', path, '--tag', '1.0.0']]),
);
commands['berth --version'] = [process.execPath, 'bin/berth.js', '--version'];
const result = compare(commands, RUNS);
console.log(`\nRender of a ${APPS}-app config to a YAML stream, ${RUNS} runs each, wall time including start-up`);
console.log(`${'command'.padEnd(28)}${'median'.padStart(10)}${'p90'.padStart(10)}   limit 300 ms (median)`);
let over = 0;
for (const [name, s] of Object.entries(result)) {
  const verdict = name.startsWith('berth render') ? (s.median <= 300 ? 'OK' : 'OVER') : '(start-up floor)';
  if (verdict === 'OVER') over++;
  console.log(`${name.padEnd(28)}${fmt(s.median)}${fmt(s.p90)}   ${verdict}`);
}
process.exitCode = over ? 1 : 0;

// Serializer alone, in-process: berth's emitter beside the `yaml` library on the same objects.
const { loadConfig, render: renderObjects } = await import('../dist/index.js');
const { toYamlStream } = await import('../src/manifests/serialize.ts');

const { config: parsed } = await loadConfig({ file });
const objects = renderObjects(parsed, 'production', { tags: {} });
const time = (fn) => {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[2];
};
const ours = time(() => toYamlStream(objects));
const library = time(() => objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join(''));
console.log(`\nYAML for ${objects.length} objects, median of 5, in-process`);
console.log(`${'berth emitter'.padEnd(28)}${fmt(ours)}`);
console.log(`${'yaml library stringify'.padEnd(28)}${fmt(library)}   (${(library / ours).toFixed(0)}× slower)`);
