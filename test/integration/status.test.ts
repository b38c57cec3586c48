/**
 * `berth status` against the real control plane: a mixed environment (healthy, crash-looping,
 * mid-rollout with old pods, a failed cron run, a held lock) reads as it is in the cluster, and
 * the number of API requests does not grow with the number of apps.
 */
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { acquireLock, type HeldLock } from '../../src/deploy/lock.ts';
import type { EnvironmentStatus } from '../../src/ops/status.ts';
import { type ApiProxy, startApiProxy } from './api-proxy.ts';
import { type Project, project } from './deploy-helpers.ts';
import { describeCluster, kube, requireEnv, waitFor } from './helpers.ts';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let proxy: ApiProxy;
const projects: Project[] = [];
beforeAll(async () => {
  proxy = await startApiProxy(requireEnv().kubeconfigPath);
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all(projects.map((p) => p.cleanup()));
});

function app(image: string, over: object = {}) {
  return { image, port: 3000, replicas: 1, ...over };
}

async function status(p: Project, args: string[] = []): Promise<{ code: number; status: EnvironmentStatus; stdout: string }> {
  const result = await p.berth(['status', '-o', 'json', ...args]);
  return { code: result.code, status: JSON.parse(result.stdout), stdout: result.stdout };
}

describeCluster('berth status', () => {
  it('shows a mixed environment as it is: healthy, crash loop, old pods mid-rollout, a failed cron run, the lock holder', async () => {
    const p = project('stmix');
    projects.push(p);
    p.write({
      cluster: { certIssuer: false },
      environments: { staging: { namespace: p.namespace } },
      apps: {
        shop: app('registry.test/shop', { replicas: 2, cron: { report: { schedule: '0 4 * * *', command: ['report'] } } }),
        crashy: app('registry.test/crashy'),
        slow: app('registry.test/slow'),
      },
    });
    expect((await p.berth(['deploy', '--tag', 'v1'])).code).toBe(0);
    // A crash-looping build left in place, and a build whose pods never become ready (its old pod stays).
    expect((await p.berth(['deploy', 'crashy', '--tag', 'crashloop', '--no-rollback'])).code).toBe(1);
    expect((await p.berth(['deploy', 'slow', '--tag', 'neverready', '--no-rollback', '--timeout', '3s'])).code).toBe(1);

    // A run of the cron task that fails, as `kubectl create job --from=cronjob/…` would start it.
    const { batch } = kube();
    const cron = await batch.readNamespacedCronJob({ name: 'shop-report', namespace: p.namespace });
    const template = structuredClone(cron.spec!.jobTemplate);
    template.spec!.backoffLimit = 0;
    template.spec!.template.metadata!.annotations = { 'berth.dev/test-behaviour': 'fail' };
    await batch.createNamespacedJob({
      namespace: p.namespace,
      body: {
        metadata: {
          name: 'shop-report-manual',
          labels: template.metadata!.labels,
          ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cron.metadata!.name!, uid: cron.metadata!.uid!, controller: true }],
        },
        spec: template.spec,
      },
    });
    await waitFor('the cron run to fail', async () => {
      const job = await batch.readNamespacedJob({ name: 'shop-report-manual', namespace: p.namespace });
      return job.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True');
    });

    const lock: HeldLock = await acquireLock(connectCluster({ kubeconfig: requireEnv().kubeconfigPath }), {
      namespace: p.namespace,
      environment: 'staging',
      user: 'alice',
      command: 'berth deploy shop --tag v9',
      waitMs: 0,
    });
    try {
      await waitFor('crashy to crash-loop', async () => {
        const { status: s } = await status(p);
        return s.apps.find((a) => a.app === 'crashy')?.processes[0]?.crashLooping.length;
      });
      const { code, status: s } = await status(p);
      expect(code).toBe(1);
      expect(s.lock).toMatchObject({ user: 'alice', command: 'berth deploy shop --tag v9', expired: false });
      const [shop, crashy, slow] = ['shop', 'crashy', 'slow'].map((name) => s.apps.find((a) => a.app === name)!);
      expect(shop).toMatchObject({ state: 'healthy', tag: 'v1', current: { revision: 1, result: 'succeeded', tag: 'v1' } });
      expect(shop!.processes).toMatchObject([{ process: 'web', ready: 2, desired: 2, old: 0, state: 'healthy' }]);
      expect(shop!.cron).toMatchObject([{ task: 'report', schedule: '0 4 * * *', lastRun: { job: 'shop-report-manual', result: 'failed' } }]);
      expect(crashy).toMatchObject({ state: 'failing', tag: 'crashloop', current: { revision: 1 }, last: { revision: 2, result: 'failed' } });
      expect(crashy!.processes[0]!.crashLooping).toHaveLength(1);
      expect(crashy!.processes[0]!.restarts).toBeGreaterThan(0);
      expect(slow).toMatchObject({ state: 'progressing', current: { revision: 1 }, last: { revision: 2, result: 'failed' } });
      expect(slow!.processes[0]).toMatchObject({ desired: 1, ready: 1, onLatest: 1, old: 1 });

      // The screen a person reads says the same.
      const human = await p.berth(['status']);
      expect(human.stdout).toMatch(/locked by alice@\S+ for \d+s: berth deploy shop --tag v9/);
      expect(human.stdout).toMatch(/shop\s+web\s+2\/2\s+0\s+healthy\s+r1 v1 · deploy by /);
      // The old pod keeps serving while the new one crashes or never becomes ready.
      expect(human.stdout).toMatch(/crashy\s+web\s+1\/1 · 1\/1 on r2, 1 old\s+\d+\s+crash loop: \S+/);
      expect(human.stdout).toMatch(/slow\s+web\s+1\/1 · 1\/1 on r2, 1 old\s+0\s+progressing/);
      expect(human.stdout).toMatch(/r2 neverready deploy failed/);
      expect(human.stdout).toMatch(/shop\/report\s+0 4 \* \* \*\s+failed \d+s ago \(BackoffLimitExceeded\)/);
      // Not a terminal: no colour codes.
      expect(human.stdout).not.toMatch(/\u001b\[/);
    } finally {
      await lock.release();
    }
  });

  it('uses the same few API requests for 2 apps and for 50', async () => {
    const counts: Record<number, string[]> = {};
    for (const size of [2, 50]) {
      const p = project(`stn${size}`);
      projects.push(p);
      const apps = Object.fromEntries(
        Array.from({ length: size }, (_, i) => [`app${i}`, app('registry.test/app', { cron: { nightly: { schedule: '0 3 * * *', command: ['run'] } } })]),
      );
      p.write({ cluster: { certIssuer: false }, environments: { staging: { namespace: p.namespace } }, apps });
      const deployed = await p.berth(['deploy', '--tag', 'v1']);
      expect(deployed.code, deployed.stderr).toBe(0);
      proxy.reset();
      const result = await p.berth(['status', '-o', 'json'], { KUBECONFIG: proxy.kubeconfigPath });
      expect(result.code, result.stderr).toBe(0);
      const s = JSON.parse(result.stdout) as EnvironmentStatus;
      expect(s.apps).toHaveLength(size);
      expect(s.apps.every((a) => a.state === 'healthy' && a.current?.revision === 1)).toBe(true);
      counts[size] = [...proxy.requests];
    }
    expect(counts[50]!.length).toBeLessThanOrEqual(8);
    expect(counts[50]!.length).toBe(counts[2]!.length);
  }, 300_000);

  it('--watch redraws when the environment changes, and stops on Ctrl-C', async () => {
    const p = project('stwatch');
    projects.push(p);
    p.write({ cluster: { certIssuer: false }, environments: { staging: { namespace: p.namespace } }, apps: { web: app('registry.test/web') } });
    expect((await p.berth(['deploy', '--tag', 'v1'])).code).toBe(0);
    const stdout = new Capture();
    const stderr = new Capture();
    const controller = new AbortController();
    const stdin = new PassThrough();
    stdin.end();
    const done = runCli(['status', '--watch', '-o', 'json'], {
      cwd: p.dir,
      env: { NO_COLOR: '1', KUBECONFIG: requireEnv().kubeconfigPath },
      stdout,
      stderr,
      stdin,
      signal: controller.signal,
    });
    const snapshots = () =>
      stdout.text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as EnvironmentStatus);
    await waitFor('the first screen', async () => snapshots().length > 0);
    expect(snapshots()[0]!.apps[0]).toMatchObject({ app: 'web', tag: 'v1', current: { revision: 1 } });
    expect((await p.berth(['deploy', '--tag', 'v2'])).code).toBe(0);
    await waitFor('a screen with r2 on v2', async () =>
      snapshots().some((s) => s.apps[0]?.tag === 'v2' && s.apps[0]?.current?.revision === 2 && s.apps[0]?.state === 'healthy'),
    );
    controller.abort();
    expect(await done).toBe(0);
  });

  it('names the next command in an empty environment', async () => {
    const p = project('stempty');
    projects.push(p);
    p.write({ cluster: { certIssuer: false }, environments: { staging: { namespace: p.namespace } }, apps: { web: app('registry.test/web') } });
    const result = await p.berth(['status']);
    expect(result.stdout).toMatch(/Nothing is deployed in staging yet: berth deploy --env staging/);
    const wrong = await p.berth(['status', 'wbe']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/No app "wbe" in staging — did you mean "web"\?/);
  });
});
