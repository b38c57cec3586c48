// Proof of the failure modes the test environment plays for deploy's tests (issue 8), each
// through its documented trigger (testenv/README.md): a migration init container that fails,
// a container killed for memory, a pod no node can take (the real scheduler decides), and
// per-container logs for `kubectl logs`, init containers and --previous included.
import { readFileSync } from 'node:fs';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { LOGS } from '../../testenv/kwok-config.ts';
import { describeCluster, kube, kubectl, useNamespace, waitFor } from './helpers.ts';

function deployment(name: string, pod: Partial<NonNullable<V1Deployment['spec']>['template']['spec']>, annotations?: Record<string, string>): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations },
        spec: { containers: [{ name: 'web', image: 'registry.test/web:v1' }], terminationGracePeriodSeconds: 5, ...pod },
      },
    },
  };
}

async function podOf(namespace: string, app: string): Promise<V1Pod | undefined> {
  const pods = await kube().core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items[0];
}

/** The STATUS column of `kubectl get pod`, as a user sees it. */
async function kubectlStatus(namespace: string, name: string): Promise<string> {
  const table = await kubectl(['get', 'pod', '-n', namespace, name, '--no-headers']);
  return table.trim().split(/\s+/)[2] ?? '';
}

/** Log lines as kubectl prints them (the CRI timestamp, stream and tag removed). */
function logLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ').slice(3).join(' '));
}

const MIGRATE_INIT = [
  { name: 'copy-migrations', image: 'registry.test/api:v2', command: ['cp', '-r', '/app/migrations', '/migrations'] },
  { name: 'migrate', image: 'ghcr.io/berth/berth:0.1.0', command: ['berth', 'migrate', 'apply'] },
];

describeCluster('failure modes of the fake kubelets', () => {
  const ns = useNamespace('failures');
  // A quota limits the whole namespace, so its test gets one of its own.
  const quotaNs = useNamespace('quota');

  it.concurrent('a migration init container that fails: Init:Error, then Init:CrashLoopBackOff with climbing restarts (tag :initfail)', async () => {
    const namespace = ns.name;
    await kube().apps.createNamespacedDeployment({
      namespace,
      body: deployment('migrating', {
        initContainers: [{ ...MIGRATE_INIT[0]!, image: 'registry.test/api:initfail' }, MIGRATE_INIT[1]!],
        containers: [{ name: 'web', image: 'registry.test/api:initfail' }],
      }),
    });
    const statuses = new Set<string>();
    const pod = await waitFor(
      'the migrate init container to restart twice',
      async () => {
        const p = await podOf(namespace, 'migrating');
        if (!p?.metadata?.name) return undefined;
        statuses.add(await kubectlStatus(namespace, p.metadata.name));
        const migrate = p.status?.initContainerStatuses?.find((s) => s.name === 'migrate');
        return (migrate?.restartCount ?? 0) >= 2 && p;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect([...statuses]).toEqual(expect.arrayContaining(['Init:Error', 'Init:CrashLoopBackOff']));
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized' });
    const [copy, migrate] = pod.status?.initContainerStatuses ?? [];
    expect(copy).toMatchObject({ name: 'copy-migrations', state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(migrate?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
    const events = await kube().core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod.metadata!.name}` });
    expect(events.items.map((e) => `${e.type} ${e.reason}`)).toContain('Warning BackOff');
  });

  it.concurrent('the same through the annotation init-fail; a Job pod (restartPolicy Never) fails instead', async () => {
    const namespace = ns.name;
    await kube().apps.createNamespacedDeployment({
      namespace,
      body: deployment('annotated', { initContainers: [MIGRATE_INIT[1]!] }, { 'berth.dev/test-behaviour': 'init-fail' }),
    });
    await kube().batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'migrate-once' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              initContainers: [{ ...MIGRATE_INIT[1]!, image: 'ghcr.io/berth/berth:initfail' }],
              containers: [{ name: 'done', image: 'registry.test/done:v1' }],
            },
          },
        },
      },
    });
    const annotated = await waitFor('Init:CrashLoopBackOff', async () => {
      const p = await podOf(namespace, 'annotated');
      return p?.status?.initContainerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' && p;
    });
    expect(annotated.status?.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
    const job = await waitFor('Job migrate-once to fail', async () => {
      const j = await kube().batch.readNamespacedJob({ name: 'migrate-once', namespace });
      return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') && j;
    });
    expect(job.status?.failed).toBe(1);
  });

  it.concurrent('a container killed for memory: lastState OOMKilled (exit 137) and restarts (tag :oomkilled)', async () => {
    const namespace = ns.name;
    await kube().apps.createNamespacedDeployment({
      namespace,
      body: deployment('hungry', {
        containers: [{ name: 'web', image: 'registry.test/web:oomkilled', resources: { limits: { memory: '64Mi' } } }],
      }),
    });
    const seen = new Set<string>();
    const pod = await waitFor(
      'restartCount >= 2',
      async () => {
        const p = await podOf(namespace, 'hungry');
        const reason = p?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        if (reason) seen.add(reason);
        return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && p;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    expect(seen).toContain('CrashLoopBackOff');
    const deploymentNow = await kube().apps.readNamespacedDeployment({ name: 'hungry', namespace });
    expect(deploymentNow.status?.availableReplicas ?? 0).toBe(0);
  });

  it.concurrent('a pod no node can take stays Pending: the scheduler marks it Unschedulable (more CPU than a node has)', async () => {
    const namespace = ns.name;
    await kube().apps.createNamespacedDeployment({
      namespace,
      body: deployment('greedy', {
        // The fake nodes have 1000 CPUs each (kwok's default capacity).
        containers: [{ name: 'web', image: 'registry.test/web:v1', resources: { requests: { cpu: '1500' } } }],
      }),
    });
    const pod = await waitFor('PodScheduled=False', async () => {
      const p = await podOf(namespace, 'greedy');
      return p?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False') && p;
    });
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.spec?.nodeName).toBeUndefined();
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(scheduled?.reason).toBe('Unschedulable');
    expect(scheduled?.message).toMatch(/0\/2 nodes are available: 2 Insufficient cpu/);
    const events = await kube().core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod.metadata!.name}` });
    expect(events.items.map((e) => e.reason)).toContain('FailedScheduling');
    // Still Pending a few seconds later: kwok never binds or starts it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await podOf(namespace, 'greedy'))?.status?.phase).toBe('Pending');
  });

  it.concurrent('answers kubectl logs per container: app containers, the migrate init container, and --previous', async () => {
    const namespace = ns.name;
    await kube().core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'chatty', labels: { app: 'chatty' } },
        spec: { initContainers: MIGRATE_INIT, containers: [{ name: 'web', image: 'registry.test/web:v1' }] },
      },
    });
    await waitFor('pod chatty Running', async () => (await kube().core.readNamespacedPod({ name: 'chatty', namespace })).status?.phase === 'Running');
    const logs = async (...args: string[]) => (await kubectl(['logs', '-n', namespace, 'chatty', ...args])).trim().split('\n');
    expect(await logs('-c', 'web')).toEqual(logLines(LOGS.container));
    expect(await logs('-c', 'web', '--previous')).toEqual(logLines(LOGS.containerPrevious));
    expect(await logs('-c', 'migrate')).toEqual(logLines(LOGS.migrate));
    expect(await logs('-c', 'copy-migrations')).toEqual(logLines(LOGS.container));
    expect(await logs('-c', 'web', '--tail', '1')).toEqual(logLines(LOGS.container).slice(-1));
    // The three files differ, so a test can tell which one it was given.
    expect(new Set([LOGS.container, LOGS.containerPrevious, LOGS.migrate].map((p) => logLines(p).join('\n'))).size).toBe(3);
  });

  it.concurrent('a quota the pods exceed: the ReplicaSet reports ReplicaFailure (FailedCreate) from the real controllers', async () => {
    const namespace = quotaNs.name;
    await kube().core.createNamespacedResourceQuota({ namespace, body: { metadata: { name: 'pods' }, spec: { hard: { pods: '1' } } } });
    const crowded = deployment('crowded', {});
    crowded.spec!.replicas = 2;
    await kube().apps.createNamespacedDeployment({ namespace, body: crowded });
    const replicaSet = await waitFor('ReplicaFailure on the ReplicaSet', async () => {
      const sets = await kube().apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=crowded' });
      return sets.items.find((rs) => rs.status?.conditions?.some((c) => c.type === 'ReplicaFailure' && c.status === 'True'));
    });
    const failure = replicaSet.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    expect(failure?.reason).toBe('FailedCreate');
    expect(failure?.message).toMatch(/exceeded quota: pods/);
    const d = await kube().apps.readNamespacedDeployment({ name: 'crowded', namespace });
    expect(d.status?.conditions?.find((c) => c.type === 'ReplicaFailure')?.reason).toBe('FailedCreate');
  });
});
