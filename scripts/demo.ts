// The README's first command: bring up the built-in local cluster (a real kube-apiserver with
// kwok nodes and a PostgreSQL, see testenv/), deploy every example in examples/ with
// `berth deploy`, show a failing deploy being diagnosed and rolled back, and the history.
//
// The examples point at their operators' real database servers; here each is pointed at the local
// PostgreSQL instead (database.mode external, admin URL from an env var), and the Secrets their
// apps declare are created with demo values, as an operator would before a first deploy.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EXAMPLE_TAGS, exampleNames, localExample } from '../testenv/examples.ts';
import { ensureUp } from '../testenv/index.ts';
import { binaries } from '../testenv/paths.ts';

const root = join(import.meta.dirname, '..');

const env = await ensureUp();
let kubeEnv: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: env.kubeconfigPath };

/** Runs the built berth CLI as a user would, its output going straight to this terminal. */
function berth(args: string[], cwd: string): Promise<number> {
  console.log(`\n$ berth ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/berth.js'), ...args], { cwd, env: kubeEnv, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const failures: string[] = [];
let katforgeDir = '';
for (const name of exampleNames()) {
  const example = await localExample(name, env);
  kubeEnv = { ...kubeEnv, ...example.env };
  if (name === 'katforge') katforgeDir = example.dir;
  for (const environment of Object.keys(example.config.environments)) {
    const code = await berth(['deploy', '--env', environment, '--tag', EXAMPLE_TAGS[name]?.[environment] ?? 'latest', '-m', 'demo'], example.dir);
    if (code !== 0) failures.push(`${name}/${environment} (exit ${code})`);
  }
}

console.log('\n— A broken build: the new pods crash-loop. berth says why within seconds and puts the last release back.');
const broken = await berth(['deploy', 'web', '--env', 'qa', '--tag', 'crashloop'], katforgeDir);
if (broken !== 6) failures.push(`the crash-looping deploy exited ${broken}, expected 6 (rolled back)`);
await berth(['history', 'web', '--env', 'qa'], katforgeDir);

console.log('\n— One screen for the environment, and the logs of its pods:');
await berth(['status', '--env', 'qa'], katforgeDir);
await berth(['logs', 'web', '--env', 'qa', '--tail', '2'], katforgeDir);

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
  `\nThe cluster keeps running. Explore it with:\n  export KUBECONFIG=${env.kubeconfigPath}\n  npm run berth -- status --env production --config ${join(katforgeDir, 'berth.config.json')}\n  npm run berth -- logs -f --env production --config ${join(katforgeDir, 'berth.config.json')}\n  npm run berth -- web --env production --config ${join(katforgeDir, 'berth.config.json')}   (the admin page: open the URL it prints)\nStop it with: npm run testenv -- down`,
);
if (failures.length) {
  console.error(`\nThe demo did not go as expected: ${failures.join('; ')}`);
  process.exitCode = 1;
}
