// The harness can restart the test cluster's API server (testenv/restart.ts), for deploy's test
// "the API server restarted during a rollout": same binary and flags, a new process, a real
// outage (requests refused, watches cut), then the same cluster state; the controllers carry
// the rollout on. In the `disruptive` project: nothing else runs while the API server is down.
import { readFile } from 'node:fs/promises';
import { Watch } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { clusterPids } from '../../../testenv/cluster.ts';
import { readState } from '../../../testenv/index.ts';
import { isAlive } from '../../../testenv/processes.ts';
import { restartApiServer } from '../../../testenv/restart.ts';
import { describeCluster, kube, kubectl, useNamespace, waitFor } from '../helpers.ts';

const argvOf = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');

describeCluster('restarting the API server', () => {
  const ns = useNamespace('restart');

  it('restarts it during a rollout: a real outage, watches cut, the same flags, and the rollout still completes', async () => {
    const namespace = ns.name;
    const { apps } = kube();
    const template = (image: string) => ({
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image }], terminationGracePeriodSeconds: 5 },
    });
    await apps.createNamespacedDeployment({
      namespace,
      body: { metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('registry.test/web:v1') } },
    });
    await waitFor('v1 available', async () => (await apps.readNamespacedDeployment({ name: 'web', namespace })).status?.availableReplicas === 3);

    let watchEnded: unknown = 'still open';
    const watch = await new Watch(kube().config).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      {},
      () => undefined,
      (error) => {
        watchEnded = error ?? 'ended without error';
      },
    );

    const before = await clusterPids();
    const oldPid = before['kube-apiserver']!;
    const oldArgv = await argvOf(oldPid);
    const patched = await apps.patchNamespacedDeployment({
      name: 'web',
      namespace,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.test/web:v2' }],
    });

    // Probe the API while it restarts: some requests must fail, or nothing was restarted.
    let refused = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        await kubectl(['get', '--raw', '/readyz']).catch(() => refused++);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const result = await restartApiServer({ signal: 'SIGKILL', downForMs: 1_000 });
    probing = false;
    await probe;

    expect(result.oldPid).toBe(oldPid);
    expect(result.newPid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
    expect(refused).toBeGreaterThan(0);
    expect(result.outageMs).toBeGreaterThanOrEqual(1_000);
    expect(await argvOf(result.newPid)).toEqual(oldArgv);
    // `status` and `down` find the new process (PID file and state.json rewritten).
    expect((await clusterPids())['kube-apiserver']).toBe(result.newPid);
    expect((await readState())?.cluster.pids['kube-apiserver']).toBe(result.newPid);
    // The other components were not touched.
    for (const name of ['etcd', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller']) expect((await clusterPids())[name]).toBe(before[name]);

    await waitFor('the watch to notice', async () => watchEnded !== 'still open');
    watch.abort();

    // The state survived (etcd kept it) and the rollout goes on to the end. Slowly at times: the
    // controller-manager can notice a pod that turned Ready just after the outage only a minute
    // later (seen once: the new pod Ready 2 s after the restart, the old ReplicaSet scaled down
    // 66 s after that; other runs: 8-47 s in all). Not berth's code: the cluster's own pace.
    const done = await waitFor(
      'the v2 rollout to complete after the restart',
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
        const s = d.status;
        return s?.observedGeneration === patched.metadata?.generation && s?.updatedReplicas === 3 && s?.availableReplicas === 3 && s?.replicas === 3 && d;
      },
      { timeoutMs: 150_000 },
    );
    expect(done.spec?.template.spec?.containers[0]?.image).toBe('registry.test/web:v2');
    // Custom resources answer at once (their storage was warmed after the restart).
    const certificates = await kube().objects.list('cert-manager.io/v1', 'Certificate', namespace);
    expect(certificates.items).toEqual([]);
  }, 200_000);
});
