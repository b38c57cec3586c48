// A throwaway berth project per test: a config in a temp dir whose environment is a namespace of
// its own, the CLI run in-process against the test cluster, and readers for what the pods run.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, type CliResult } from '../unit/cli-harness.ts';
import { kube, requireEnv } from './helpers.ts';

const root = join(import.meta.dirname, '../..');

/** The built CLI as a process of its own (to kill it, or to act while it runs). */
export interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves at the first `--json` event `match` accepts (rejects if the process ends first). */
  event(match: (event: { event?: string; [field: string]: unknown }) => boolean): Promise<void>;
}

export function spawnBerth(p: Project, args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(join(root, 'node_modules/.bin/node'), [join(root, 'bin/berth.js'), ...args], {
    cwd: p.dir,
    env: { ...process.env, KUBECONFIG: requireEnv().kubeconfigPath, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiting = new Set<() => void>();
  child.stdout!.on('data', (c) => {
    stdout += c;
    for (const check of waiting) check();
  });
  child.stderr!.on('data', (c) => (stderr += c));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    child,
    done,
    event(match) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!events(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).some(match)) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
        void done.then((r) => {
          if (waiting.delete(check)) reject(new Error(`berth ${args.join(' ')} ended (${r.code}) before the event:\n${r.stderr.slice(-2000)}`));
        });
      });
    },
  };
}

export interface Project {
  dir: string;
  namespace: string;
  environment: string;
  write(config: object): void;
  berth(args: string[], env?: Record<string, string>, stdin?: string): Promise<CliResult>;
  /** Creates or replaces the app Secret the pods read (as a person would with kubectl). */
  setSecret(name: string, data: Record<string, string>): Promise<void>;
  cleanup(): Promise<void>;
}

export function project(prefix: string): Project {
  const dir = mkdtempSync(join(tmpdir(), `berth-${prefix}-`));
  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  const environment = 'staging';
  return {
    dir,
    namespace,
    environment,
    write(config) {
      writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(config, null, 2));
    },
    berth(args, env = {}, stdin) {
      return cli(args, { cwd: dir, env: { KUBECONFIG: requireEnv().kubeconfigPath, ...env }, input: stdin });
    },
    async setSecret(name, data) {
      const { core } = kube();
      await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined);
      const body = { metadata: { name, namespace }, stringData: data };
      await core.replaceNamespacedSecret({ name, namespace, body }).catch(() => core.createNamespacedSecret({ namespace, body }));
    },
    async cleanup() {
      await kube()
        .core.deleteNamespace({ name: namespace, propagationPolicy: 'Background' })
        .catch(() => undefined);
    },
  };
}

/** A config with one web app and a worker, in the project's namespace. */
export function shopConfig(namespace: string, over: { env?: Record<string, string>; web?: object; extraApps?: object } = {}): object {
  return {
    cluster: { certIssuer: false },
    environments: { staging: { namespace } },
    apps: {
      web: {
        image: 'registry.test/shop',
        port: 3000,
        domains: [`${namespace}.shop.test`],
        health: { path: '/healthz' },
        replicas: 2,
        env: over.env ?? { MODE: 'one' },
        secrets: ['TOKEN'],
        ...over.web,
      },
      worker: { image: 'registry.test/worker', processes: { run: { command: ['node', 'worker.js'] } } },
      ...over.extraApps,
    },
  };
}

interface PodSpecView {
  image: string;
  env: Record<string, string>;
  secrets: Record<string, string>;
}

/** What the running pods of a Deployment actually get: image, env from its ConfigMap, secret values. */
export async function runningSpec(namespace: string, deployment: string): Promise<PodSpecView> {
  const { apps, core } = kube();
  const d = await apps.readNamespacedDeployment({ name: deployment, namespace });
  const container = d.spec!.template.spec!.containers[0]!;
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, (await core.readNamespacedConfigMap({ name: source.configMapRef.name!, namespace })).data);
  }
  const secrets: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = await core.readNamespacedSecret({ name: ref.name!, namespace });
    secrets[variable.name] = Buffer.from(secret.data![ref.key]!, 'base64').toString('utf8');
  }
  // The pods must run that template: every Ready pod of the Deployment has this image.
  const pods = await core.listNamespacedPod({
    namespace,
    labelSelector: Object.entries(d.spec!.selector.matchLabels!)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  });
  const images = new Set(
    pods.items
      .filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((p) => p.spec!.containers[0]!.image),
  );
  if (images.size !== 1 || !images.has(container.image))
    throw new Error(`pods of ${deployment} run ${[...images].join(', ') || 'nothing ready'}, the template says ${container.image}`);
  return { image: container.image!, env, secrets };
}

/** Release records as `berth history --json` reports them. */
export async function historyOf(
  p: Project,
  app: string,
): Promise<{ revision: number; kind: string; result: string; tag: string; rollbackOf?: number; rolledBackBy?: number; diagnosis?: { cause: string } }[]> {
  const result = await p.berth(['history', app, '--json']);
  if (result.code !== 0) throw new Error(`berth history failed: ${result.stderr}`);
  return JSON.parse(result.stdout).releases;
}

/** The NDJSON events of a `--json` deploy. */
export function events(stdout: string): { event: string; [key: string]: unknown }[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
