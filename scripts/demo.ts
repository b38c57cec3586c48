// The README's first command: bring up the built-in local cluster (a real kube-apiserver with
// kwok nodes, see testenv/), render every example in examples/, apply it server-side, wait for
// the rollouts and show what runs. Until `berth deploy` exists, applying goes through kubectl.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { exampleTag, tagSchemePattern } from '../src/config/tag-scheme.ts';
import { loadConfig } from '../src/config/load.ts';
import { render, renderPlatform } from '../src/render/index.ts';
import { toYamlStream } from '../src/manifests/serialize.ts';
import { ensureUp } from '../testenv/index.ts';
import { binaries } from '../testenv/paths.ts';

const root = join(import.meta.dirname, '..');
const examplesDir = join(root, 'examples');
const TAGS: Record<string, string> = { docfast: '1.4.2', honeydue: '3f9c2ab', katforge: '2.7.0', kumiko: '9e1d4c7', school: 'prod-20260301.17' };

function run(argv: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.slice(0, 3).join(' ')} … exited ${code}:\n${err || out}`))));
    child.stdin.end(input ?? '');
  });
}

const env = await ensureUp();
const kubeEnv = { ...process.env, KUBECONFIG: env.kubeconfigPath };
const kubectl = (args: string[], input?: string) => run([binaries.kubectl, ...args], kubeEnv, input);

const namespaces: string[] = [];
for (const name of readdirSync(examplesDir).sort()) {
  const { config } = await loadConfig({ cwd: join(examplesDir, name) });
  const platform = renderPlatform(config);
  if (platform.length) {
    process.stdout.write(`applying ${name} platform (shared database server): ${platform.length} objects … `);
    await kubectl(['apply', '--server-side', '--field-manager=berth', '-f', '-'], toYamlStream(platform));
    process.stdout.write('done\n');
  }
  for (const environment of Object.keys(config.environments)) {
    // Apps that pin their own tag (postgres:16-alpine) keep it; the others get the example's
    // build, or a tag that fits the environment's tag scheme (render refuses anything else).
    const scheme = config.environments[environment]!.tagScheme;
    const tag = TAGS[name] && (!scheme || tagSchemePattern(scheme)!.test(TAGS[name])) ? TAGS[name] : exampleTag(scheme);
    const objects = render(config, environment, { defaultTag: tag });
    process.stdout.write(`applying ${name}/${environment}: ${objects.length} objects … `);
    await kubectl(['apply', '--server-side', '--field-manager=berth', '-f', '-'], toYamlStream(objects));
    process.stdout.write('done\n');
    namespaces.push(config.environments[environment]!.namespace);
  }
}

for (const namespace of namespaces) {
  process.stdout.write(`waiting for rollouts in ${namespace} … `);
  await kubectl(['rollout', 'status', 'deployment', '-n', namespace, '--timeout=180s']);
  process.stdout.write('ready\n');
}

console.log('\nWhat runs now (berth-managed Deployments):');
console.log(
  await kubectl([
    'get',
    'deployments',
    '--all-namespaces',
    '-l',
    'app.kubernetes.io/managed-by=berth',
    '-o',
    'custom-columns=NAMESPACE:.metadata.namespace,APP:.metadata.labels.berth\\.dev/app,PROCESS:.metadata.labels.app\\.kubernetes\\.io/component,READY:.status.readyReplicas,WANTED:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image',
  ]),
);
console.log(
  `The cluster keeps running. Explore it with:\n  export KUBECONFIG=${env.kubeconfigPath}\n  ${binaries.kubectl} get pods -A\nStop it with: npm run testenv -- down`,
);
