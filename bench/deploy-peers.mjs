// Issue 8's peers, tried against the test cluster: the same rendered objects of one app deployed
// by Helm 4 (`helm upgrade --install --wait`, the objects packed as a chart) and by kubectl 1.34
// (`kubectl apply --server-side` + `kubectl rollout status`), first install and then a new tag,
// apply → healthy wall time. The figures to set `berth deploy` beside; `berth deploy` itself is
// added here once it exists. Needs the test environment (started if needed) and fetches the
// peers into ~/.cache/berth/bench.
//   node bench/deploy-peers.mjs                 RUNS=3 by default
//   CRASH=1 node bench/deploy-peers.mjs         also a crash-looping release (both wait up to CRASH_TIMEOUT, default 5m)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/validate.ts';
import { render } from '../src/render/index.ts';
import { ensureUp } from '../testenv/index.ts';
import { writeChart } from './helm-chart.mjs';
import { fmt, stats } from './lib.mjs';
import { installPeers } from './peers.mjs';

const RUNS = Number(process.env.RUNS ?? 3);
const harness = await ensureUp();
const peers = await installPeers();
const env = { ...process.env, KUBECONFIG: harness.kubeconfigPath, HELM_CACHE_HOME: join(tmpdir(), 'berth-bench-helm') };
const work = mkdtempSync(join(tmpdir(), 'berth-bench-peers-'));

/** One app as a user would write it: two replicas, a domain with TLS, no database. */
function renderApp(namespace, tag) {
  const { config } = validateConfig({
    // berth's defaults: a cert-manager Certificate and Traefik Middleware beside the Ingress (CERT=0 leaves them out).
    cluster: process.env.CERT === '0' ? { certIssuer: false } : {},
    database: { mode: 'external', host: '10.0.0.2', admin: { env: 'PG_ADMIN_URL' } },
    environments: { bench: { namespace } },
    apps: {
      web: { image: 'registry.test/web', port: 8080, replicas: 2, domains: ['web.bench.test'], env: { NODE_ENV: 'production' }, health: { path: '/healthz' } },
    },
  });
  return render(config, 'bench', { tags: { web: tag } });
}

function timed(argv, { input, allowFail = false } = {}) {
  const started = performance.now();
  const result = spawnSync(argv[0], argv.slice(1), { env, input, encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (result.status !== 0 && !allowFail) throw new Error(`${argv.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return { ms, status: result.status, output: result.stdout + result.stderr };
}

function helmDeploy(namespace, tag, extra = []) {
  const objects = renderApp(namespace, tag);
  const { dir } = writeChart(join(work, `chart-${namespace}`), { name: 'web', appVersion: tag, objects });
  return timed([peers.helm, 'upgrade', '--install', 'web', dir, '--namespace', namespace, '--create-namespace', '--wait', '--timeout', '120s', ...extra], {
    allowFail: extra.length > 0,
  });
}

function kubectlDeploy(namespace, tag, timeout = '120s') {
  const objects = renderApp(namespace, tag);
  const started = performance.now();
  timed([peers.kubectl, 'apply', '--server-side', '--field-manager=bench', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });
  const wait = timed([peers.kubectl, 'rollout', 'status', 'deployment/web', '-n', namespace, `--timeout=${timeout}`], { allowFail: true });
  return { ms: performance.now() - started, status: wait.status, output: wait.output };
}

const namespaces = [];
const samples = {
  'helm install --wait': [],
  'helm upgrade (new tag) --wait': [],
  'kubectl apply + rollout status': [],
  'kubectl apply (new tag) + rollout status': [],
};
try {
  for (let run = 0; run < RUNS; run++) {
    const tag = randomBytes(3).toString('hex');
    const helmNs = `bench-helm-${tag}`;
    const kubectlNs = `bench-kubectl-${tag}`;
    namespaces.push(helmNs, kubectlNs);
    samples['helm install --wait'].push(helmDeploy(helmNs, '1.0.0').ms);
    samples['kubectl apply + rollout status'].push(kubectlDeploy(kubectlNs, '1.0.0').ms);
    samples['helm upgrade (new tag) --wait'].push(helmDeploy(helmNs, '1.0.1').ms);
    samples['kubectl apply (new tag) + rollout status'].push(kubectlDeploy(kubectlNs, '1.0.1').ms);
  }
  console.log(
    `\nOne app (2 replicas), apply → healthy, ${RUNS} runs each (${peers.versions.helm}, kubectl ${peers.versions.kubectl}, test cluster ${harness.kubeServer})`,
  );
  console.log(`${'command'.padEnd(44)}${'median'.padStart(10)}${'p90'.padStart(10)}${'min'.padStart(10)}`);
  for (const [name, values] of Object.entries(samples)) {
    const s = stats(values);
    console.log(`${name.padEnd(44)}${fmt(s.median)}${fmt(s.p90)}${fmt(s.min)}`);
  }

  if (process.env.CRASH === '1') {
    const timeout = process.env.CRASH_TIMEOUT ?? '5m';
    const tag = randomBytes(3).toString('hex');
    const helmNs = `bench-helm-crash-${tag}`;
    const kubectlNs = `bench-kubectl-crash-${tag}`;
    namespaces.push(helmNs, kubectlNs);
    helmDeploy(helmNs, '1.0.0');
    kubectlDeploy(kubectlNs, '1.0.0');
    const helm = helmDeploy(helmNs, 'crashloop', ['--rollback-on-failure', '--timeout', timeout]);
    const kubectl = kubectlDeploy(kubectlNs, 'crashloop', timeout);
    console.log(`\nCrash-looping release, apply → failure verdict (timeout ${timeout})`);
    console.log(`helm upgrade --rollback-on-failure   ${fmt(helm.ms)}  exit ${helm.status}`);
    console.log(`kubectl apply + rollout status       ${fmt(kubectl.ms)}  exit ${kubectl.status}`);
  }
} finally {
  for (const namespace of namespaces) {
    spawnSync(peers.kubectl, ['delete', 'namespace', namespace, '--wait=false'], { env, stdio: 'ignore' });
  }
  rmSync(work, { recursive: true, force: true });
}
