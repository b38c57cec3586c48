/**
 * `berth restart`, `berth scale`, `berth run` and `berth cron run` against the real control plane:
 * restarts and scales are watched releases that later deploys keep; one-off Jobs stream their
 * output, pass their exit code through, and `run` cleans its Job up.
 */
import { afterAll, expect, it } from 'vitest';
import { historyOf, type Project, project, shopConfig } from './deploy-helpers.ts';
import { describeCluster, kube } from './helpers.ts';

const projects: Project[] = [];
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
});

async function deployed(prefix: string, config?: (namespace: string) => object): Promise<Project> {
  const p = project(prefix);
  projects.push(p);
  p.write(config ? config(p.namespace) : shopConfig(p.namespace));
  await p.setSecret('web-secrets', { TOKEN: 'first' });
  const first = await p.berth(['deploy', '--tag', 'v1']);
  expect(first.code, first.stderr).toBe(0);
  return p;
}

async function readyPods(namespace: string, selector: string): Promise<string[]> {
  const pods = await kube().core.listNamespacedPod({ namespace, labelSelector: selector });
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => p.metadata!.name!)
    .sort();
}

describeCluster('release commands and one-off jobs', () => {
  it('restart rolls the pods of one process as a release; the next deploy changes nothing', async () => {
    const p = await deployed('rst');
    const web = await readyPods(p.namespace, 'berth.dev/app=web');
    const worker = await readyPods(p.namespace, 'berth.dev/app=worker');
    const result = await p.berth(['restart', 'worker/run']);
    expect(result.code, result.stderr).toBe(0);
    const workerAfter = await readyPods(p.namespace, 'berth.dev/app=worker');
    expect(workerAfter).toHaveLength(1);
    expect(workerAfter).not.toEqual(worker);
    expect(await readyPods(p.namespace, 'berth.dev/app=web')).toEqual(web);
    expect((await historyOf(p, 'worker')).map((r) => [r.revision, r.kind, r.result])).toEqual([
      [2, 'restart', 'succeeded'],
      [1, 'deploy', 'succeeded'],
    ]);
    const again = await p.berth(['deploy']);
    expect(again.stdout).toMatch(/Nothing changed in staging/);
  });

  it('scale is a release that later deploys keep, until scaled back to the config', async () => {
    const p = await deployed('scl');
    const up = await p.berth(['scale', 'web=3']);
    expect(up.code, up.stderr).toBe(0);
    expect(await readyPods(p.namespace, 'berth.dev/app=web')).toHaveLength(3);
    expect((await historyOf(p, 'web'))[0]).toMatchObject({ revision: 2, kind: 'scale', result: 'succeeded' });
    expect((await p.berth(['deploy'])).stdout).toMatch(/Nothing changed in staging/);
    const back = await p.berth(['scale', 'web=config']);
    expect(back.code, back.stderr).toBe(0);
    const d = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
    expect(d.spec?.replicas).toBe(2);
    const wrong = await p.berth(['scale', 'web/nope=2']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/web has no process "nope"/);
  });

  it('a scale whose pods cannot start is rolled back, and nothing is kept for later deploys', async () => {
    // Each kwok node has 1000 CPUs: four pods of 400 fit on the two nodes, six do not.
    const p = await deployed('sclfail', (namespace) => shopConfig(namespace, { web: { resources: { requests: { cpu: '400' } } } }));
    const result = await p.berth(['scale', 'web=6']);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stdout).toMatch(/No node can take the pod/);
    expect(result.stdout).toMatch(/Nothing was saved: web runs r1's values again/);
    expect((await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace })).spec?.replicas).toBe(2);
    const cm = await kube()
      .core.readNamespacedConfigMap({ name: 'berth.scale.web', namespace: p.namespace })
      .catch(() => undefined);
    expect(cm).toBeUndefined();
    expect((await p.berth(['deploy'])).stdout).toMatch(/Nothing changed in staging/);
    expect((await historyOf(p, 'web')).map((r) => [r.revision, r.kind, r.result])).toEqual([
      [3, 'rollback', 'succeeded'],
      [2, 'scale', 'failed'],
      [1, 'deploy', 'succeeded'],
    ]);
  });

  it('run streams the output of a one-off Job, passes its exit code through and deletes it', async () => {
    const p = await deployed('run');
    const ok = await p.berth(['run', 'web', '--', 'echo', 'hi']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('berth test app starting');
    // kwok fails a pod whose image tag is :fail with exit code 1.
    const failed = await p.berth(['run', 'web', '--tag', 'fail', '--', 'false']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/exited with code 1/);
    const jobs = await kube().batch.listNamespacedJob({ namespace: p.namespace });
    expect(jobs.items.map((j) => j.metadata?.name)).toEqual([]);
  });

  it('cron run runs a task now and status shows it as the last run', async () => {
    const p = await deployed('crn', (namespace) => shopConfig(namespace, { web: { cron: { nightly: { schedule: '0 3 * * *', command: ['report'] } } } }));
    const result = await p.berth(['cron', 'run', 'web/nightly']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/web\/nightly succeeded/);
    const status = JSON.parse((await p.berth(['status', 'web', '-o', 'json'])).stdout);
    expect(status.apps[0].cron).toMatchObject([{ task: 'nightly', lastRun: { result: 'succeeded' } }]);
    const unknown = await p.berth(['cron', 'run', 'web/weekly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/web has no cron task "weekly"/);
  });
});
