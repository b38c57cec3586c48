// Shared helpers for benchmarks: wall-clock timing of whole commands, interleaved so both sides
// see the same machine load, reported as median and p90.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
