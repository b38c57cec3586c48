/**
 * CloudNativePG's continuous backup (issue 10 item 8): the rendered Cluster backup settings and
 * ScheduledBackup are accepted for real by the API server with the upstream CRDs, and `berth
 * backup list` shows the state the operator reports. No operator runs here, so the test writes
 * the status an operator writes (Cluster condition ContinuousArchiving, Backup phases) through the
 * status subresource, exactly as the operator's client does.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { applyObject, connectCluster } from '../../src/cluster/index.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { renderPlatform } from '../../src/render/index.ts';
import { cli, tempDir } from '../unit/cli-harness.ts';
import { describeCluster, requireEnv, useNamespace } from './helpers.ts';
import { CustomObjectsApi, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

const CNPG = 'postgresql.cnpg.io/v1';

describeCluster('CloudNativePG continuous backup', () => {
  const dbNamespace = useNamespace('cnpgbk');
  const appNamespace = useNamespace('cnpgapp');
  let dir = '';
  let env: Record<string, string> = {};
  const config = () => ({
    database: {
      mode: 'cnpg',
      name: 'pg',
      namespace: dbNamespace.name,
      admin: { env: 'ADMIN_URL' },
      continuousBackup: { store: { s3: { bucket: 'pg-archive', endpoint: 'https://s3.example.net', credentialsSecret: 'pg-archive-s3' } }, retention: '30d' },
    },
    backups: { store: { dir: { path: './backups' } } },
    environments: { it: { namespace: appNamespace.name } },
    apps: { api: { image: 'ghcr.io/acme/api', port: 3000, database: true } },
  });
  const list = (...args: string[]) => cli(['backup', 'list', 'api', '--env', 'it', ...args], { cwd: dir, env });

  beforeAll(() => {
    const harness = requireEnv();
    dir = tempDir();
    writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(config()));
    env = { ADMIN_URL: harness.pgUrl, KUBECONFIG: harness.kubeconfigPath };
  });

  async function setStatus(object: KubernetesObject & { status: unknown }) {
    const kc = new KubeConfig();
    kc.loadFromFile(requireEnv().kubeconfigPath);
    const api = kc.makeApiClient(CustomObjectsApi);
    const target = {
      group: 'postgresql.cnpg.io',
      version: 'v1',
      namespace: object.metadata!.namespace!,
      plural: object.kind === 'Cluster' ? 'clusters' : 'backups',
      name: object.metadata!.name!,
    };
    const live = (await api.getNamespacedCustomObject(target)) as Record<string, unknown>;
    await api.replaceNamespacedCustomObjectStatus({ ...target, body: { ...live, status: object.status } });
  }

  it('applies the Cluster backup settings and the ScheduledBackup for real, and lists what the operator reports', async () => {
    // Before the server exists: the list works and says nothing about it.
    const before = await list('-o', 'json');
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout).continuousBackup).toBeUndefined();

    const cluster = connectCluster({ kubeconfig: requireEnv().kubeconfigPath });
    const objects = renderPlatform(validateConfig(config()).config).filter((o) => o.kind === 'Cluster' || o.kind === 'ScheduledBackup');
    expect(objects.map((o) => o.kind)).toEqual(['Cluster', 'ScheduledBackup']);
    for (const object of objects) {
      const applied = await applyObject(cluster, object);
      expect((applied as { spec?: unknown }).spec).toMatchObject(JSON.parse(JSON.stringify(object.spec)));
    }

    const now = Date.now();
    const iso = (hoursAgo: number) => new Date(now - hoursAgo * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await setStatus({
      apiVersion: CNPG,
      kind: 'Cluster',
      metadata: { name: 'pg', namespace: dbNamespace.name },
      status: {
        conditions: [
          {
            type: 'ContinuousArchiving',
            status: 'True',
            reason: 'ContinuousArchivingSuccess',
            message: 'Continuous archiving is working',
            lastTransitionTime: iso(30),
          },
        ],
        firstRecoverabilityPoint: iso(29),
        lastSuccessfulBackup: iso(5),
      },
    });
    for (const [name, phase, hoursAgo, error] of [
      ['pg-20261201', 'completed', 5, undefined],
      ['pg-20261202', 'failed', 1, 'barman-cloud-backup: connection refused'],
    ] as const) {
      await applyObject(cluster, {
        apiVersion: CNPG,
        kind: 'Backup',
        metadata: { name, namespace: dbNamespace.name },
        spec: { cluster: { name: 'pg' }, method: 'barmanObjectStore' },
      });
      await setStatus({
        apiVersion: CNPG,
        kind: 'Backup',
        metadata: { name, namespace: dbNamespace.name },
        status: { phase, startedAt: iso(hoursAgo), stoppedAt: iso(hoursAgo - 0.1), ...(error ? { error } : {}) },
      });
    }

    const json = await list('-o', 'json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).continuousBackup).toEqual({
      cluster: 'pg',
      archiving: 'ok',
      recoverableFrom: iso(29),
      lastBaseBackup: { name: 'pg-20261202', phase: 'failed', at: iso(1), error: 'barman-cloud-backup: connection refused' },
      lastSuccessfulBaseBackup: iso(5),
    });
    const table = await list();
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('Server pg (CloudNativePG continuous backup): WAL archiving ok; last base backup 5h ago');
    expect(table.stdout).toContain('the newest (pg-20261202) FAILED: barman-cloud-backup: connection refused');
    expect(table.stdout).toContain(`recoverable to any point since ${iso(29)}`);

    // Archiving breaks (wrong credentials, full bucket): the list says so, with the operator's reason.
    await setStatus({
      apiVersion: CNPG,
      kind: 'Cluster',
      metadata: { name: 'pg', namespace: dbNamespace.name },
      status: {
        conditions: [
          {
            type: 'ContinuousArchiving',
            status: 'False',
            reason: 'ContinuousArchivingFailing',
            message: 'unexpected failure invoking barman-cloud-wal-archive: exit status 4',
            lastTransitionTime: iso(0),
          },
        ],
        firstRecoverabilityPoint: iso(29),
        lastSuccessfulBackup: iso(5),
      },
    });
    const failing = await list();
    expect(failing.stdout).toContain('WAL archiving FAILING (unexpected failure invoking barman-cloud-wal-archive: exit status 4)');
  });
});
