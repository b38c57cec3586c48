// Issue 9: `berth status` of an environment with 50 apps (each a web process and a cron task,
// deployed with `berth deploy`) must take no longer than
// `kubectl get deploy,rs,pods,cronjobs,jobs -n NS -o json` on the same cluster, and make at most
// 8 API requests. Both run as fresh processes, interleaved, against the testenv API server.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, findKubectl, fmt } from './lib.mjs';
import { ensureUp } from '../testenv/index.ts';

const APPS = Number(process.env.APPS ?? 50);
const RUNS = Number(process.env.RUNS ?? 15);
const harness = await ensureUp();
const kubectl = await findKubectl();
const namespace = `bench-status-${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
const config = join(dir, 'berth.config.json');
const apps = Object.fromEntries(
  Array.from({ length: APPS }, (_, i) => [
    `app${String(i).padStart(2, '0')}`,
    { image: 'registry.test/app', port: 3000, cron: { nightly: { schedule: '0 3 * * *', command: ['run'] } } },
  ]),
);
writeFileSync(config, JSON.stringify({ cluster: { certIssuer: false }, environments: { bench: { namespace } }, apps }));
const env = { ...process.env, KUBECONFIG: harness.kubeconfigPath, NO_COLOR: '1' };

try {
  const started = Date.now();
  const deployed = spawnSync(process.execPath, ['bin/berth.js', 'deploy', '--tag', 'v1', '--config', config], { env, encoding: 'utf8' });
  if (deployed.status !== 0) throw new Error(`berth deploy failed: ${deployed.stderr}`);
  console.log(`(set-up: berth deploy of ${APPS} apps took ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // Request counts, through a counting proxy in front of the API server (timings go direct).
  const { startApiProxy } = await import('../test/integration/api-proxy.ts');
  const proxy = await startApiProxy(harness.kubeconfigPath);
  const counted = (argv) =>
    new Promise((resolve, reject) => {
      proxy.reset();
      const child = spawn(argv[0], argv.slice(1), { env: { ...env, KUBECONFIG: proxy.kubeconfigPath }, stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(proxy.requests.length) : reject(new Error(`${argv.join(' ')} exited ${code}`))));
    });
  const requests = await counted([process.execPath, 'bin/berth.js', 'status', '-o', 'json', '--config', config]);
  // kubectl's discovery is cached in ~/.kube/cache after its first run; count a warm run.
  await counted([kubectl, 'get', 'deploy,rs,pods,cronjobs,jobs', '-n', namespace, '-o', 'json']);
  const kubectlRequests = await counted([kubectl, 'get', 'deploy,rs,pods,cronjobs,jobs', '-n', namespace, '-o', 'json']);
  await proxy.close();

  const result = compare(
    {
      'berth status -o json': [process.execPath, 'bin/berth.js', 'status', '-o', 'json', '--config', config],
      'berth status': [process.execPath, 'bin/berth.js', 'status', '--config', config],
      'kubectl get deploy,rs,pods,cronjobs,jobs -o json': [kubectl, 'get', 'deploy,rs,pods,cronjobs,jobs', '-n', namespace, '-o', 'json'],
    },
    RUNS,
    { env },
  );
  console.log(`\nberth status, ${APPS} apps, ${RUNS} runs each, interleaved (node ${process.version}, kube-apiserver from testenv)`);
  console.log(`${'command'.padEnd(52)}${'median'.padStart(10)}${'p90'.padStart(10)}`);
  for (const [name, s] of Object.entries(result)) console.log(`${name.padEnd(52)}${fmt(s.median)}${fmt(s.p90)}`);
  console.log(`API requests: berth status ${requests} (limit 8); kubectl get ${kubectlRequests} (warm discovery cache)`);
  const berth = result['berth status'].median;
  const peer = result['kubectl get deploy,rs,pods,cronjobs,jobs -o json'].median;
  const ok = berth <= peer && requests <= 8;
  console.log(`ratio berth/kubectl: ${(berth / peer).toFixed(2)}× (limit 1.00×) ${ok ? 'OK' : 'OVER LIMIT'}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  spawnSync(kubectl, ['delete', 'namespace', namespace, '--wait=false'], { env });
}
