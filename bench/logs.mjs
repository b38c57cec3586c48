// Issue 9: `berth logs APP` of 20 pods without -f must take no longer than
// `kubectl logs -l … --prefix --max-log-requests 20` on the same cluster. Both run as fresh
// processes, interleaved, against the testenv API server (kwok serves each container a short log).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, findKubectl, fmt } from './lib.mjs';
import { ensureUp } from '../testenv/index.ts';

const PODS = Number(process.env.PODS ?? 20);
const RUNS = Number(process.env.RUNS ?? 15);
const harness = await ensureUp();
const kubectl = await findKubectl();
const namespace = `bench-logs-${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
const config = join(dir, 'berth.config.json');
writeFileSync(
  config,
  JSON.stringify({
    cluster: { certIssuer: false },
    environments: { bench: { namespace } },
    apps: { shop: { image: 'registry.test/shop', port: 3000, replicas: PODS } },
  }),
);
const env = { ...process.env, KUBECONFIG: harness.kubeconfigPath, NO_COLOR: '1' };

try {
  const deployed = spawnSync(process.execPath, ['bin/berth.js', 'deploy', '--tag', 'v1', '--config', config], { env, encoding: 'utf8' });
  if (deployed.status !== 0) throw new Error(`berth deploy failed: ${deployed.stderr}`);
  const berthArgv = [process.execPath, 'bin/berth.js', 'logs', 'shop', '--config', config];
  const kubectlArgv = [kubectl, 'logs', '-n', namespace, '-l', 'berth.dev/app=shop', '--prefix', '--max-log-requests', String(PODS), '--tail', '-1'];
  // Same output, line for line (apart from the prefixes).
  const berthLines = spawnSync(berthArgv[0], berthArgv.slice(1), { env, encoding: 'utf8' }).stdout.trim().split('\n');
  const kubectlLines = spawnSync(kubectlArgv[0], kubectlArgv.slice(1), { env, encoding: 'utf8' }).stdout.trim().split('\n');
  const result = compare({ 'berth logs shop': berthArgv, 'kubectl logs -l … --prefix --max-log-requests 20': kubectlArgv }, RUNS, { env });
  console.log(`\nlogs of ${PODS} pods without -f, ${RUNS} runs each, interleaved (node ${process.version}, kube-apiserver + kwok from testenv)`);
  console.log(`lines printed: berth ${berthLines.length}, kubectl ${kubectlLines.length}`);
  console.log(`${'command'.padEnd(52)}${'median'.padStart(10)}${'p90'.padStart(10)}`);
  for (const [name, s] of Object.entries(result)) console.log(`${name.padEnd(52)}${fmt(s.median)}${fmt(s.p90)}`);
  const ratio = result['berth logs shop'].median / result['kubectl logs -l … --prefix --max-log-requests 20'].median;
  console.log(`ratio berth/kubectl: ${ratio.toFixed(2)}× (limit 1.00×) ${ratio <= 1 ? 'OK' : 'OVER LIMIT'}`);
  process.exitCode = ratio <= 1 ? 0 : 1;
} finally {
  spawnSync(kubectl, ['delete', 'namespace', namespace, '--wait=false'], { env });
}
