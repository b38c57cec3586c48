// Shared helpers for benchmarks: wall-clock timing of whole commands, interleaved so both sides
// see the same machine load, reported as median and p90.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function timeCommand(argv, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0], runs: sorted.length };
}

/** Runs each command `runs` times, alternating between them, after one warm-up each. */
export function compare(commands, runs, options = {}) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (const argv of Object.values(commands)) timeCommand(argv, options);
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of Object.entries(commands)) samples[name].push(timeCommand(argv, options));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
}

export const fmt = (ms) => `${ms.toFixed(1)} ms`.padStart(10);

/** kubectl built by the test harness (the same version as its API server), else from PATH. */
export async function findKubectl() {
  const { binaries } = await import('../testenv/paths.ts');
  for (const candidate of [process.env.BERTH_KUBECTL, binaries.kubectl]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl');
  }
  return undefined;
}

/**
 * A namespace of `apps` apps (each a web process and a cron task) on the testenv cluster, deployed
 * with `berth deploy` as a user would: what the status and admin-page benchmarks measure against.
 * `remove()` deletes the namespace without waiting.
 */
export async function deployedEnvironment(prefix, apps) {
  // The test environment loads only for the benchmarks that use it.
  const { ensureUp } = await import('../testenv/index.ts');
  const harness = await ensureUp();
  const kubectl = await findKubectl();
  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  const config = join(mkdtempSync(join(tmpdir(), 'berth-bench-')), 'berth.config.json');
  const list = Object.fromEntries(
    Array.from({ length: apps }, (_, i) => [
      `app${String(i).padStart(2, '0')}`,
      { image: 'registry.test/app', port: 3000, cron: { nightly: { schedule: '0 3 * * *', command: ['run'] } } },
    ]),
  );
  writeFileSync(config, JSON.stringify({ cluster: { certIssuer: false }, environments: { bench: { namespace } }, apps: list }));
  const env = { ...process.env, KUBECONFIG: harness.kubeconfigPath, NO_COLOR: '1' };
  const remove = () => spawnSync(kubectl, ['delete', 'namespace', namespace, '--wait=false'], { env });
  const started = Date.now();
  const deployed = spawnSync(process.execPath, ['bin/berth.js', 'deploy', '--tag', 'v1', '--config', config], { env, encoding: 'utf8' });
  if (deployed.status !== 0) {
    remove();
    throw new Error(`berth deploy failed: ${deployed.stderr}`);
  }
  console.log(`(set-up: berth deploy of ${apps} apps took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return { harness, kubectl, namespace, config, env, remove };
}
