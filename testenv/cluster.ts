// The Kubernetes side of the environment: kwokctl's "binary" runtime runs etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok as local
// processes (our own builds), on loopback, with RBAC and admission on.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kwokctlConfig } from './kwok-config.ts';
import * as paths from './paths.ts';
import { commandName, isAlive, stopProcesses, waitForExit } from './processes.ts';
import { run, step } from './run.ts';
import { upstreamCrdFiles, upstreamCrdIndex } from './upstream-crds.ts';
import { KUBERNETES_VERSION } from './versions.ts';

/** kwokctl's directory for the cluster: pids/, logs/, bin/, kubeconfig.yaml. */
export const clusterDir = join(paths.kwokWorkDir, 'clusters', paths.CLUSTER_NAME);
const manifestsDir = join(import.meta.dirname, 'manifests');

export interface ClusterInfo {
  kubeconfigPath: string;
  server: string;
  /** Component name (etcd, kube-apiserver, ...) to PID. */
  pids: Record<string, number>;
}

function kwokctlEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KWOK_WORKDIR: paths.kwokWorkDir,
    KWOK_KUBECTL_BINARY: paths.binaries.kubectl,
    KWOK_KUBE_VERSION: KUBERNETES_VERSION,
  };
}

function kwokctl(args: string[], timeoutMs = 180_000) {
  return run([paths.binaries.kwokctl, '--name', paths.CLUSTER_NAME, ...args], {
    env: kwokctlEnv(),
    timeoutMs,
  });
}

export function kubectl(args: string[], timeoutMs = 60_000, input?: string) {
  return run([paths.binaries.kubectl, '--kubeconfig', paths.kubeconfigPath, ...args], { timeoutMs, input });
}

/** PIDs from kwokctl's pid files, keeping only live processes running the expected binary. */
export async function clusterPids(): Promise<Record<string, number>> {
  const pidDir = join(clusterDir, 'pids');
  const files = await readdir(pidDir).catch(() => [] as string[]);
  const pids: Record<string, number> = {};
  for (const file of files.filter((name) => name.endsWith('.pid'))) {
    const name = file.slice(0, -'.pid'.length);
    const pid = Number((await readFile(join(pidDir, file), 'utf8')).trim());
    // kwokctl runs each component through a symlink in its bin/ (kwok-controller -> .../kwok).
    const binary = await realpath(join(clusterDir, 'bin', name)).catch(() => name);
    if (Number.isInteger(pid) && isAlive(pid) && (await commandName(pid)) === basename(binary)) pids[name] = pid;
  }
  return pids;
}

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller'];

async function isHealthy(): Promise<boolean> {
  const pids = await clusterPids();
  if (!COMPONENTS.every((name) => pids[name] !== undefined)) return false;
  if (!existsSync(paths.kubeconfigPath)) return false;
  try {
    const { stdout } = await kubectl(['get', '--raw', '/readyz'], 5_000);
    return stdout.trim() === 'ok';
  } catch {
    return false;
  }
}

async function waitHealthy(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isHealthy())) {
    if (Date.now() > deadline) {
      throw new Error(`the cluster did not become ready within ${timeoutMs / 1000}s; logs: ${join(clusterDir, 'logs')}`);
    }
    await sleep(250);
  }
}

async function createCluster(): Promise<void> {
  await mkdir(paths.envDir, { recursive: true });
  await writeFile(paths.kwokConfigPath, await kwokctlConfig());
  await kwokctl([
    'create',
    'cluster',
    '--runtime',
    'binary',
    '--config',
    paths.kwokConfigPath,
    // Empty: leave ~/.kube/config alone; we write our own kubeconfig.
    '--kubeconfig',
    '',
    '--kube-authorization=true',
    '--kube-admission=true',
    '--kube-apiserver-binary',
    paths.binaries.kubeApiserver,
    '--kube-controller-manager-binary',
    paths.binaries.kubeControllerManager,
    '--kube-scheduler-binary',
    paths.binaries.kubeScheduler,
    '--kwok-controller-binary',
    paths.binaries.kwok,
    '--etcd-binary',
    paths.binaries.etcd,
    '--wait',
    '60s',
  ]);
}

/** A self-contained kubeconfig (certificates inlined), readable only by us. */
async function writeKubeconfig(): Promise<string> {
  const { stdout } = await run([paths.binaries.kubectl, '--kubeconfig', join(clusterDir, 'kubeconfig.yaml'), 'config', 'view', '--flatten', '--raw']);
  await writeFile(paths.kubeconfigPath, stdout, { mode: 0o600 });
  await chmod(paths.kubeconfigPath, 0o600);
  const server = /server:\s*(\S+)/.exec(stdout)?.[1];
  if (!server) throw new Error(`no server in ${join(clusterDir, 'kubeconfig.yaml')}`);
  return server;
}

/** Nodes, IngressClasses and the add-on CRDs; repeating it is harmless (and quick). */
async function applyBaseObjects(): Promise<void> {
  const files = [join(manifestsDir, 'nodes.yaml'), join(manifestsDir, 'ingress-classes.yaml')];
  await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=berth-testenv', ...files.flatMap((f) => ['-f', f])]);
  await installCrds();
  await kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=60s'], 70_000);
  // Pods in "default" need its ServiceAccount; the controller creates it shortly after start.
  await waitFor(() => kubectl(['get', 'serviceaccount', 'default', '-n', 'default'], 5_000), 60_000);
}

/** Where the cluster records which CRD files it has (their hash), so a warm `up` skips them. */
const CRD_STAMP = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'berth-testenv-crds', namespace: 'kube-system' } };

/** name -> Established status of every CRD in the cluster. */
async function liveCrds(): Promise<Map<string, string>> {
  const { stdout } = await kubectl([
    'get',
    'crd',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}',
  ]);
  return new Map(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  );
}

/**
 * The upstream CRDs (upstream-crds.ts). On a fresh cluster `kubectl create` (a server-side
 * apply of these 2.4 MB of schemas takes three times as long); when the pinned versions changed,
 * a server-side apply over what is there.
 */
async function installCrds(): Promise<void> {
  const { names, stamp } = await upstreamCrdIndex();
  const live = await liveCrds();
  const { name, namespace } = CRD_STAMP.metadata;
  const recorded = await kubectl(['get', 'configmap', name, '-n', namespace, '-o', 'jsonpath={.data.stamp}']).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  if (recorded === stamp && names.every((crd) => live.get(crd) === 'True')) return;
  const files = upstreamCrdFiles().flatMap((f) => ['-f', f]);
  if (names.some((crd) => live.has(crd))) {
    await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=berth-testenv', ...files], 180_000);
  } else {
    await kubectl(['create', ...files], 180_000);
  }
  await waitFor(async () => {
    const now = await liveCrds();
    const pending = names.filter((crd) => now.get(crd) !== 'True');
    if (pending.length > 0) throw new Error(`CRDs not Established: ${pending.join(', ')}`);
  }, 60_000);
  await warmCustomResources(names);
  await kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=berth-testenv', '-f', '-'],
    60_000,
    JSON.stringify({ ...CRD_STAMP, data: { stamp } }),
  );
}

/**
 * The API server creates a custom resource's storage on first use and answers 429
 * (Retry-After) until its watch cache is ready. kubectl retries; one list per CRD now spares
 * tests (and clients that do not retry) that first 429. Needed again after an API server restart.
 */
export async function warmCustomResources(names?: string[]): Promise<void> {
  const crds = names ?? (await upstreamCrdIndex()).names;
  await kubectl(['get', crds.join(','), '--all-namespaces']);
}

async function waitFor(check: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/** Starts the cluster unless it is already running and healthy. */
/** True when the running cluster was created from another kwok configuration (stages changed since). */
async function configChanged(): Promise<boolean> {
  const running = await readFile(paths.kwokConfigPath, 'utf8').catch(() => undefined);
  // The log fixtures' path names the checkout; another checkout with the same stages is the same.
  const normal = (config: string) => config.replace(/\S*\/testenv\/fixtures\//g, 'FIXTURES/');
  return running !== undefined && normal(running) !== normal(await kwokctlConfig());
}

export async function clusterUp(): Promise<ClusterInfo> {
  if ((await isHealthy()) && (await configChanged())) {
    // A checkout with other failure stages (or log rules) must not test against the old ones.
    await step('cluster: its kwok stages changed; recreating it', clusterDown);
  }
  if (await isHealthy()) {
    await step('cluster: already running; re-applying base objects', applyBaseObjects);
  } else {
    if (existsSync(clusterDir)) {
      // Left over from an interrupted run: start from a clean slate.
      await step('cluster: removing a stale cluster', clusterDown);
    }
    await step('cluster: create (kwokctl, binary runtime)', createCluster);
    await writeKubeconfig();
    await step('cluster: wait for readyz', () => waitHealthy(60_000));
    await step('cluster: nodes, IngressClasses, CRDs', applyBaseObjects);
  }
  const server = await writeKubeconfig();
  return { kubeconfigPath: paths.kubeconfigPath, server, pids: await clusterPids() };
}

/** Stops every cluster process by PID and deletes the cluster's state. */
export async function clusterDown(): Promise<void> {
  const pids = Object.values(await clusterPids());
  if (existsSync(clusterDir)) {
    await kwokctl(['delete', 'cluster'], 60_000).catch(() => undefined);
  }
  // kwokctl kills by pid file; make sure, by PID, that nothing is left.
  const left = await waitForExit(pids, 10_000);
  if (left.length > 0) await stopProcesses(left);
  // Normally gone already; if kwokctl failed, its state would block the next create.
  await rm(clusterDir, { recursive: true, force: true });
  await rm(paths.kubeconfigPath, { force: true });
}

export async function clusterStatus(): Promise<{ running: boolean; pids: Record<string, number> }> {
  return { running: await isHealthy(), pids: await clusterPids() };
}
