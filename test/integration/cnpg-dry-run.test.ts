/**
 * The CloudNativePG objects berth renders are accepted by the API server (with the harness's
 * CNPG CRDs), through berth's own cluster module: server-side apply, dry run, strict field
 * validation.
 */
import { afterAll, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { applyObject, connectCluster, ensureNamespace, type Cluster } from '../../src/cluster/index.ts';
import { render, renderPlatform } from '../../src/render/index.ts';
import { describeCluster, kube, requireEnv, uniqueName } from './helpers.ts';

describeCluster('CloudNativePG manifests against the real API server', () => {
  const appNamespace = uniqueName('cnpg-app');
  const dbNamespace = uniqueName('cnpg-db');
  const cluster = (): Cluster => connectCluster({ kubeconfig: requireEnv().kubeconfigPath });

  afterAll(async () => {
    for (const name of [appNamespace, dbNamespace])
      await kube()
        .core.deleteNamespace({ name })
        .catch(() => undefined);
  });

  it('accepts the Cluster, Pooler and Databases (server-side apply, dry run, strict)', async () => {
    const { config } = validateConfig({
      database: {
        mode: 'cnpg',
        name: 'pg',
        namespace: dbNamespace,
        instances: 2,
        storage: '5Gi',
        storageClass: 'local-path',
        pooler: { instances: 2, poolMode: 'transaction' },
      },
      environments: { production: { namespace: appNamespace } },
      apps: {
        api: { image: 'ghcr.io/acme/api', port: 8080, database: true },
        worker: { image: 'ghcr.io/acme/worker', processes: { jobs: { command: ['node', 'jobs.js'] } }, database: true },
      },
    });
    const shared = renderPlatform(config).filter((o) => o.apiVersion === 'postgresql.cnpg.io/v1');
    const objects = [
      ...shared,
      ...render(config, 'production', { tags: { api: '1.0.0', worker: '1.0.0' } }).filter((o) => o.apiVersion === 'postgresql.cnpg.io/v1'),
    ];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Cluster/pg',
      'Pooler/pg-pooler',
      'Database/pg.api.production',
      'Database/pg.worker.production',
    ]);
    const api = cluster();
    await ensureNamespace(api, dbNamespace);
    for (const object of objects) {
      const answer = await applyObject(api, object, { dryRun: true });
      expect(answer.metadata.name).toBe(object.metadata.name);
      expect((answer as { spec?: unknown }).spec).toMatchObject(object.spec as object);
    }
    // A dry run persists nothing.
    await expect(
      kube().objects.read({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: dbNamespace } }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('rejects what the CRD schema forbids, and unknown fields of built-in kinds, with a clear error', async () => {
    const api = cluster();
    await ensureNamespace(api, dbNamespace);
    const noOwner = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Database',
      metadata: { name: 'x', namespace: dbNamespace },
      spec: { cluster: { name: 'pg' }, name: 'x' },
    };
    await expect(applyObject(api, noOwner, { dryRun: true })).rejects.toThrow(
      /Could not apply Database .*\/x \(dry run\): the API server rejected the object .*owner/,
    );
    const typo = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: dbNamespace }, spec: { ports: [{ port: 80, targetPrt: 8080 }] } };
    await expect(applyObject(api, typo, { dryRun: true })).rejects.toThrow(/targetPrt/);
  });
});
