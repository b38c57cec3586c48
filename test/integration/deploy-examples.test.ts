// A good deploy of every example, every environment, through the built CLI as a user runs it
// (databases on the local PostgreSQL, declared Secrets created first), then a second deploy of
// each that changes nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EXAMPLE_TAGS, exampleNames, localExample } from '../../testenv/examples.ts';
import { describeCluster, kube, requireEnv } from './helpers.ts';

const root = join(import.meta.dirname, '../..');

function berth(args: string[], cwd: string, env: Record<string, string>) {
  const result = spawnSync(join(root, 'node_modules/.bin/node'), [join(root, 'bin/berth.js'), ...args], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describeCluster('berth deploy of every example', () => {
  for (const name of exampleNames()) {
    it(`${name}: every environment deploys healthy, and a second deploy changes nothing`, { timeout: 240_000 }, async () => {
      const example = await localExample(name, requireEnv(), { fresh: true });
      for (const [environment, settings] of Object.entries(example.config.environments)) {
        const args = ['deploy', '--env', environment, '--tag', EXAMPLE_TAGS[name]![environment]!, '--json'];
        const first = berth(args, example.dir, example.env);
        expect(first.code, `${name}/${environment}: ${first.stderr}${first.stdout.slice(-2000)}`).toBe(0);
        const result = JSON.parse(first.stdout.trim().split('\n').at(-1)!);
        expect(result.ok).toBe(true);
        // Every enabled app ends deployed (or unchanged, when another environment shares its namespace).
        for (const app of result.apps) expect(['deployed', 'unchanged']).toContain(app.outcome);
        const deployments = await kube().apps.listNamespacedDeployment({
          namespace: settings.namespace,
          labelSelector: `berth.dev/environment=${environment}`,
        });
        expect(deployments.items.length).toBeGreaterThan(0);
        // berth judges a rollout by its pods (the Deployment's own status can lag behind them on a
        // busy control plane), so every replica has a Ready pod the moment deploy says healthy.
        for (const d of deployments.items) {
          const selector = Object.entries(d.spec!.selector.matchLabels ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          const pods = await kube().core.listNamespacedPod({ namespace: settings.namespace, labelSelector: selector });
          const ready = pods.items.filter(
            (p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          );
          expect(ready.length, `${d.metadata!.name}: Ready pods`).toBe(d.spec!.replicas);
        }
        const again = berth(args, example.dir, example.env);
        expect(again.code).toBe(0);
        expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!).apps.every((a: { outcome: string }) => a.outcome === 'unchanged')).toBe(true);
      }
    });
  }
});
