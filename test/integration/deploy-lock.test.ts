/**
 * The deploy lock with real processes: ten deploys at once never overlap and never corrupt the
 * history; a deploy killed with SIGKILL at random moments never leaves a lock that needs a
 * person, and the history stays consistent.
 */
import { afterAll, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { loadConfig } from '../../src/config/load.ts';
import { readFirst } from '../../src/deploy/early-reads.ts';
import { getRelease, updateRelease } from '../../src/deploy/releases.ts';
import { deploy } from '../../src/deploy/run.ts';
import { historyOf, type Project, project, runningSpec, shopConfig, spawnBerth } from './deploy-helpers.ts';
import { describeCluster, kube, requireEnv } from './helpers.ts';

const projects: Project[] = [];
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
});

/** Releases must be numbered once each, finished, and the current one must be what runs. */
async function expectConsistentHistory(p: Project, app: string): Promise<void> {
  const history = await historyOf(p, app);
  const revisions = history.map((r) => r.revision);
  expect(new Set(revisions).size).toBe(revisions.length);
  expect(history.filter((r) => r.result === 'deploying')).toEqual([]);
  const current = history.find((r) => r.result === 'succeeded')!;
  const d = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
  expect(d.spec!.template.spec!.containers[0]!.image).toBe(`registry.test/shop:${current.tag}`);
}

/** The shop project in a namespace of its own, removed after the tests; `tag`: deployed at it first. */
async function shopProject(prefix: string, tag?: string): Promise<Project> {
  const p = project(prefix);
  projects.push(p);
  p.write(shopConfig(p.namespace));
  await p.setSecret('web-secrets', { TOKEN: 'first' });
  if (tag) {
    const first = await p.berth(['deploy', '--tag', tag]);
    expect(first.code, first.stderr).toBe(0);
  }
  return p;
}

/**
 * A deploy of every app (in process) whose first reads (cluster/early.ts) were taken before
 * `between` ran: as when it waited for the lock (--lock-wait), or another released it just before.
 */
async function deployAfter(p: Project, tags: { tags: Record<string, string>; defaultTag?: string }, between: () => Promise<void>) {
  const cluster = connectCluster({ kubeconfig: requireEnv().kubeconfigPath });
  const stale = await readFirst(cluster, p.namespace, 'staging');
  await between();
  const { config } = await loadConfig({ cwd: p.dir });
  return deploy({
    config,
    environment: 'staging',
    apps: [],
    ...tags,
    rollback: true,
    dryRun: false,
    lockWaitMs: 0,
    restart: false,
    forceConflicts: false,
    command: 'berth deploy',
    kubeconfig: requireEnv().kubeconfigPath,
    early: { environment: 'staging', namespace: p.namespace, context: undefined, cluster, reads: Promise.resolve(stale) },
    signal: new AbortController().signal,
    emit: () => undefined,
  });
}

describeCluster('the deploy lock', () => {
  it('ten deploys at once: one at a time, the impatient ones fail naming the holder, history intact', async () => {
    const p = await shopProject('dlock', 'v0');

    // Seven wait their turn; three give up at once if someone holds the lock.
    const runs = Array.from({ length: 10 }, (_, i) =>
      spawnBerth(p, ['deploy', 'web', '--tag', `v${i + 1}`, '--json', ...(i < 7 ? ['--lock-wait', '150s'] : [])]),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    const waited = results.slice(0, 7);
    const impatient = results.slice(7);
    for (const r of waited) expect(r.code, r.stderr).toBe(0);
    for (const r of impatient) {
      expect([0, ExitCode.conflict]).toContain(r.code);
      if (r.code === ExitCode.conflict) expect(r.stderr).toMatch(/staging is being deployed by .+ since .+: berth deploy web --env staging --tag v\d+/);
    }

    const history = await historyOf(p, 'web');
    const succeeded = results.filter((r) => r.code === 0).length;
    expect(history.filter((r) => r.kind === 'deploy' && r.result === 'succeeded').length).toBe(succeeded + 1);
    // Never two at once: each release ran from its record to its verdict inside the lock.
    const records = JSON.parse((await p.berth(['history', 'web', '--json'])).stdout).releases as { createdAt: string; finishedAt: string }[];
    const spans = records.map((r) => [Date.parse(r.createdAt), Date.parse(r.finishedAt)] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    await expectConsistentHistory(p, 'web');
  }, 240_000);

  it('SIGKILL at 20 random moments: the next deploy always succeeds without an unlock', async () => {
    const p = await shopProject('dkill');
    // A short lease so a killed holder's lock lapses in seconds (the default is 30 s).
    const env = { BERTH_LOCK_SECONDS: '2' };
    expect((await spawnBerth(p, ['deploy', '--tag', 'k0'], env).done).code).toBe(0);
    // Deterministic "random" moments, spread over the whole deploy (lock, apply, watch, record).
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 1; i <= 20; i++) {
      const victim = spawnBerth(p, ['deploy', 'web', '--tag', `k${i}`], env);
      await new Promise((resolve) => setTimeout(resolve, 150 + random() * 2500));
      victim.child.kill('SIGKILL');
      await victim.done;
      const next = await spawnBerth(p, ['deploy', 'web', '--tag', `n${i}`, '--lock-wait', '30s'], env).done;
      expect(next.code, `after kill ${i}: ${next.stderr}`).toBe(0);
      await expectConsistentHistory(p, 'web');
    }
  }, 400_000);

  it('Ctrl-C during a rollout: the app in flight goes back to its release, the lock is released, exit 130; a dry run meanwhile leaves it alone', async () => {
    const p = await shopProject('dint', 'v1');
    // A build whose pods never become ready keeps the rollout in flight until we interrupt it.
    const run = spawnBerth(p, ['deploy', 'web', '--tag', 'neverready', '--timeout', '2m']);
    let stderr = '';
    run.child.stderr!.on('data', (c) => (stderr += c));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (/web: \d\/2 ready on r2/.test(stderr)) {
          clearInterval(check);
          resolve();
        }
      }, 100);
    });
    // A dry run meanwhile takes no lock, so it must leave the release in flight alone.
    const dryRun = await p.berth(['deploy', '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect((await historyOf(p, 'web')).map((r) => `${r.revision}:${r.result}`)).toEqual(['2:deploying', '1:succeeded']);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(ExitCode.interrupted);
    expect(result.stdout).toMatch(/web r2 was interrupted and was rolled back to r1/);
    const d = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: p.namespace });
    expect(d.spec!.template.spec!.containers[0]!.image).toBe('registry.test/shop:v1');
    const lock = await p.berth(['lock', 'status', '--json']);
    expect(JSON.parse(lock.stdout)).toMatchObject({ locked: false });
    expect((await historyOf(p, 'web')).map((r) => `${r.revision}:${r.kind}:${r.result}`)).toEqual([
      '3:rollback:succeeded',
      '2:deploy:interrupted',
      '1:deploy:succeeded',
    ]);
  }, 120_000);

  it('a deploy that read the environment before another one ran reads it again once it holds the lock (it does not put back the tags it read)', async () => {
    const p = await shopProject('dstale', 'v0');
    const result = await deployAfter(p, { tags: { worker: 'w1' } }, async () => {
      const other = await p.berth(['deploy', 'web', '--tag', 'v1']);
      expect(other.code, other.stderr).toBe(0);
    });
    expect(result.apps.map((a) => `${a.app}:${a.outcome}:${'tag' in a ? a.tag : ''}`).sort()).toEqual(['web:unchanged:v1', 'worker:deployed:w1']);
    expect((await runningSpec(p.namespace, 'web')).image).toBe('registry.test/shop:v1');
    expect((await runningSpec(p.namespace, 'worker-run')).image).toBe('registry.test/worker:w1');
  });

  it('a deploy that read the values before a `berth config set` ran reads them again once it holds the lock (the value set is not lost)', async () => {
    const p = await shopProject('dvalues', 'v0');
    const result = await deployAfter(p, { tags: {}, defaultTag: 'v2' }, async () => {
      const set = await p.berth(['config', 'set', 'web', 'MODE=set-between']);
      expect(set.code, set.stderr).toBe(0);
    });
    expect(result.apps.map((a) => `${a.app}:${a.outcome}`).sort()).toEqual(['web:deployed', 'worker:deployed']);
    const web = await runningSpec(p.namespace, 'web');
    expect(web.image).toBe('registry.test/shop:v2');
    expect(web.env.MODE).toBe('set-between');
    // The new release is the next revision after the config change's, and keeps its value.
    const history = await historyOf(p, 'web');
    expect(history.map((r) => `${r.revision}:${r.kind}:${r.result}`).slice(0, 3)).toEqual(['3:deploy:succeeded', '2:config:succeeded', '1:deploy:succeeded']);
  });

  it('a release read as "deploying" whose own deploy records it just after (its last write goes out with its lock release) keeps its result', async () => {
    const p = await shopProject('dlate', 'v0');
    const cluster = connectCluster({ kubeconfig: requireEnv().kubeconfigPath });
    const r1 = (await getRelease(cluster, p.namespace, 'web', 1))!;
    // r1 as the next deploy reads it while its deploy's last write is still on its way…
    await updateRelease(cluster, { ...r1, result: 'deploying', finishedAt: undefined });
    const result = await deployAfter(p, { tags: { web: 'v1' } }, async () => {
      // …which lands before that deploy, holding the lock, would mark r1 interrupted.
      await updateRelease(cluster, r1);
    });
    expect(result.apps.find((a) => a.app === 'web')?.outcome).toBe('deployed');
    expect((await historyOf(p, 'web')).map((r) => `${r.revision}:${r.result}`)).toEqual(['2:succeeded', '1:succeeded']);
  });
});
