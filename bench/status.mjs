// Issue 9: `berth status` of an environment with 50 apps (each a web process and a cron task,
// deployed with `berth deploy`) must take no longer than
// `kubectl get deploy,rs,pods,cronjobs,jobs -n NS -o json` on the same cluster, and make at most
// 8 API requests. Both run as fresh processes, interleaved, against the testenv API server.
import { spawn } from 'node:child_process';
import { compare, deployedEnvironment, fmt } from './lib.mjs';

const APPS = Number(process.env.APPS ?? 50);
const RUNS = Number(process.env.RUNS ?? 15);
const { harness, kubectl, namespace, config, env, remove } = await deployedEnvironment('bench-status', APPS);

try {
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
  remove();
}
