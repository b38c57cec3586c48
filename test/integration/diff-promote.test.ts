/**
 * `berth diff` and `berth promote` against the real control plane: diff shows what a deploy
 * would change (a replica count) and nothing for an unchanged app, exiting 1 and 0; promote
 * deploys what runs in staging to production, and refuses an unhealthy or locked source.
 */
import { afterAll, expect, it } from 'vitest';
import { connectCluster } from '../../src/cluster/connect.ts';
import { acquireLock } from '../../src/deploy/lock.ts';
import { type Project, project, runningSpec, shopConfig } from './deploy-helpers.ts';
import { describeCluster, kube, requireEnv } from './helpers.ts';

const projects: Project[] = [];
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
  await Promise.all(
    projects.map((p) =>
      kube()
        .core.deleteNamespace({ name: `${p.namespace}-prod`, propagationPolicy: 'Background' })
        .catch(() => undefined),
    ),
  );
});

describeCluster('berth diff and promote', () => {
  it('diff shows a changed replica count, nothing for an unchanged app, and exits 1 only with differences', async () => {
    const p = project('dif');
    projects.push(p);
    p.write(shopConfig(p.namespace));
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    expect((await p.berth(['deploy', '--tag', 'v1'])).code).toBe(0);
    const same = await p.berth(['diff']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/No differences/);

    p.write(shopConfig(p.namespace, { web: { replicas: 3 } }));
    const changed = await p.berth(['diff']);
    expect(changed.code, changed.stderr).toBe(1);
    expect(changed.stdout).toMatch(/~ update Deployment \S+\/web\n\s+\.spec\.replicas: 2 → 3/);
    expect(changed.stdout).not.toMatch(/worker/);
    expect((await p.berth(['diff', 'worker'])).code).toBe(0);
    // A changed secret shows as a new pinned copy, its value masked.
    await p.setSecret('web-secrets', { TOKEN: 'second-value' });
    const secret = await p.berth(['diff', 'web', '-o', 'json']);
    expect(secret.code).toBe(1);
    expect(secret.stdout).not.toContain('second-value');
    expect(secret.stdout).not.toContain(Buffer.from('second-value').toString('base64'));
  });

  it('promote deploys what runs in staging to production, and refuses an unhealthy or locked source', async () => {
    const p = project('prm');
    projects.push(p);
    const prod = `${p.namespace}-prod`;
    const config = (replicasInProd: number) => {
      const base = shopConfig(p.namespace) as { environments: Record<string, unknown> };
      return {
        ...base,
        environments: {
          staging: { namespace: p.namespace },
          production: { namespace: prod, apps: { web: { replicas: replicasInProd, domains: [`${prod}.shop.test`] } } },
        },
      };
    };
    p.write(config(3));
    await p.setSecret('web-secrets', { TOKEN: 'first' });
    await kube().core.createNamespace({ body: { metadata: { name: prod } } });
    await kube().core.createNamespacedSecret({ namespace: prod, body: { metadata: { name: 'web-secrets' }, stringData: { TOKEN: 'prod-token' } } });
    expect((await p.berth(['deploy', '--env', 'production', '--tag', 'v1'])).code).toBe(0);
    expect((await p.berth(['deploy', '--env', 'staging', '--tag', 'v2'])).code).toBe(0);

    const promoted = await p.berth(['promote', '--from', 'staging', '--to', 'production', 'web']);
    expect(promoted.code, promoted.stderr).toBe(0);
    const spec = await runningSpec(prod, 'web');
    // Staging's build, production's own config and secrets.
    expect(spec).toMatchObject({ image: 'registry.test/shop:v2', secrets: { TOKEN: 'prod-token' } });
    expect((await kube().apps.readNamespacedDeployment({ name: 'web', namespace: prod })).spec?.replicas).toBe(3);
    const history = JSON.parse((await p.berth(['history', 'web', '--env', 'production', '--json'])).stdout).releases;
    expect(history[0]).toMatchObject({ kind: 'promote', result: 'succeeded', tag: 'v2', promotedFrom: { environment: 'staging', revision: 1 } });
    // The worker was not named: it stays.
    expect((await runningSpec(prod, 'worker-run')).image).toBe('registry.test/worker:v1');

    // A source that is mid-deploy or unhealthy is not promoted.
    const lock = await acquireLock(connectCluster({ kubeconfig: requireEnv().kubeconfigPath }), {
      namespace: p.namespace,
      environment: 'staging',
      user: 'carol',
      command: 'berth deploy --env staging',
      waitMs: 0,
    });
    try {
      const locked = await p.berth(['promote', '--from', 'staging', '--to', 'production']);
      expect(locked.code).toBe(4);
      expect(locked.stderr).toMatch(/staging is being deployed by carol/);
    } finally {
      await lock.release();
    }
    expect((await p.berth(['deploy', 'worker', '--env', 'staging', '--tag', 'crashloop', '--no-rollback'])).code).toBe(1);
    const unhealthy = await p.berth(['promote', '--from', 'staging', '--to', 'production']);
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stderr).toMatch(/worker is not healthy in staging/);
  });
});
