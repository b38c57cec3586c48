// The README's first command: bring up the built-in local cluster (a real kube-apiserver with
// kwok nodes and a PostgreSQL, see testenv/), deploy every example in examples/ with
// `berth deploy`, show a failing deploy being diagnosed and rolled back, and the history.
//
// The examples point at their operators' real database servers; here each is pointed at the local
// PostgreSQL instead (database.mode external, admin URL from an env var), and the Secrets their
// apps declare are created with demo values, as an operator would before a first deploy.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { loadConfig } from '../src/config/load.ts';
import { ensureUp } from '../testenv/index.ts';
import { binaries } from '../testenv/paths.ts';

const root = join(import.meta.dirname, '..');
const examplesDir = join(root, 'examples');
// Each example's build, in the form its environment's tagScheme asks for.
const TAGS: Record<string, Record<string, string>> = {
  docfast: { production: '1.4.2', staging: '3f9c2ab' },
  honeydue: { production: '3f9c2ab' },
  katforge: { production: '2.7.0', qa: '2.7.0' },
  kumiko: { production: '9e1d4c7' },
  school: { production: 'prod-20260301.17' },
};

const env = await ensureUp();
const kubeEnv = { ...process.env, KUBECONFIG: env.kubeconfigPath, BERTH_DEMO_ADMIN_URL: env.pgUrl };
const kc = new KubeConfig();
kc.loadFromFile(env.kubeconfigPath);
const core = kc.makeApiClient(CoreV1Api);

/** Runs the built berth CLI as a user would, its output going straight to this terminal. */
function berth(args: string[], cwd: string): Promise<number> {
  console.log(`\n$ berth ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/berth.js'), ...args], { cwd, env: kubeEnv, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function createSecret(namespace: string, name: string, keys: string[]): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined);
  const body = { metadata: { name, namespace }, stringData: Object.fromEntries(keys.map((k) => [k, `demo-${k.toLowerCase()}`])) };
  await core.createNamespacedSecret({ namespace, body }).catch(() => core.replaceNamespacedSecret({ name, namespace, body }));
}

const failures: string[] = [];
let katforgeDir = '';
for (const name of readdirSync(examplesDir).sort()) {
  const { config } = await loadConfig({ cwd: join(examplesDir, name) });
  const demo = { ...config, database: { mode: 'external' as const, host: '127.0.0.1', port: env.postgres.port, admin: { env: 'BERTH_DEMO_ADMIN_URL' } } };
  const dir = mkdtempSync(join(tmpdir(), `berth-demo-${name}-`));
  writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(demo, null, 2));
  if (name === 'katforge') katforgeDir = dir;
  for (const [environment, settings] of Object.entries(config.environments)) {
    for (const [app, spec] of Object.entries(config.apps)) {
      if (spec.secrets?.length && settings.apps?.[app]?.enabled !== false)
        await createSecret(settings.namespace, spec.secretName ?? `${app}-secrets`, spec.secrets);
    }
    const code = await berth(['deploy', '--env', environment, '--tag', TAGS[name]?.[environment] ?? 'latest', '-m', 'demo'], dir);
    if (code !== 0) failures.push(`${name}/${environment} (exit ${code})`);
  }
}

console.log('\n— A broken build: the new pods crash-loop. berth says why within seconds and puts the last release back.');
const broken = await berth(['deploy', 'web', '--env', 'qa', '--tag', 'crashloop'], katforgeDir);
if (broken !== 6) failures.push(`the crash-looping deploy exited ${broken}, expected 6 (rolled back)`);
await berth(['history', 'web', '--env', 'qa'], katforgeDir);

console.log('\nWhat runs now (berth-managed Deployments):');
await new Promise<void>((resolve) => {
  const child = spawn(
    binaries.kubectl,
    [
      'get',
      'deployments',
      '--all-namespaces',
      '-l',
      'app.kubernetes.io/managed-by=berth',
      '-o',
      'custom-columns=NAMESPACE:.metadata.namespace,APP:.metadata.labels.berth\\.dev/app,PROCESS:.metadata.labels.app\\.kubernetes\\.io/component,READY:.status.readyReplicas,WANTED:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image',
    ],
    { env: kubeEnv, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  child.on('close', () => resolve());
});
console.log(
  `\nThe cluster keeps running. Explore it with:\n  export KUBECONFIG=${env.kubeconfigPath}\n  npm run berth -- history api --env production --config ${join(katforgeDir, 'berth.config.json')}\nStop it with: npm run testenv -- down`,
);
if (failures.length) {
  console.error(`\nThe demo did not go as expected: ${failures.join('; ')}`);
  process.exitCode = 1;
}
