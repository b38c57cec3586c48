/** CloudNativePG objects for `database.mode: 'cnpg'`: the shared server on its own (`render --platform`), a Database per app in each environment. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { render, renderPlatform, type KubeObject } from '../../src/render/index.ts';
import { toYamlStream } from '../../src/manifests/serialize.ts';
import type { BerthConfig } from '../../src/config/schema.ts';
import { withConfig } from './fixtures.ts';

const cnpg = (edit: (c: any) => void = () => {}): BerthConfig =>
  withConfig((c) => {
    c.database = { mode: 'cnpg', name: 'pg', namespace: 'postgres', instances: 2, storage: '20Gi', pooler: { instances: 2, poolMode: 'transaction' } };
    c.apps.api = { image: 'ghcr.io/acme/api', port: 8080, database: true, migrate: { dir: '/app/migrations' } };
    c.apps.static = { image: 'ghcr.io/acme/static', port: 80 };
    edit(c);
  });

const renderOf = (config: BerthConfig, env = 'production') =>
  render(validateConfig(config).config, env, { tags: { web: '1.0.0', api: '1.0.0', static: '1.0.0' } });
const platformOf = (config: BerthConfig) => renderPlatform(validateConfig(config).config);
const databaseObjects = (objects: KubeObject[]) =>
  objects.filter((o) => o.apiVersion.startsWith('postgresql.cnpg.io/') || (o.kind === 'Namespace' && o.metadata.name === 'postgres'));

describe('CloudNativePG rendering', () => {
  it('renders the Cluster, Pooler and one Database per database app (snapshot)', async () => {
    const objects = platformOf(cnpg());
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace//postgres',
      'Cluster/postgres/pg',
      'Pooler/postgres/pg-pooler',
      'Database/postgres/pg.api.production',
      'Database/postgres/pg.api.staging',
      'Database/postgres/pg.web.production',
      'Database/postgres/pg.web.staging',
      'NetworkPolicy/postgres/pg',
    ]);
    await expect(toYamlStream(objects)).toMatchFileSnapshot('__snapshots__/render-cnpg.production.yaml');
  });

  it('names each database and its owner <app>_<env>, and never drops data when the resource goes', () => {
    const db = platformOf(cnpg()).find((o) => o.kind === 'Database' && o.metadata.name === 'pg.api.staging') as any;
    expect(db.spec).toEqual({ cluster: { name: 'pg' }, name: 'api_staging', owner: 'api_staging', ensure: 'present', databaseReclaimPolicy: 'retain' });
    expect(db.metadata.labels).toMatchObject({ 'berth.dev/app': 'api', 'berth.dev/environment': 'staging' });
  });

  it('keeps everything of the database namespace out of the environments, the server without an environment label', () => {
    for (const env of ['production', 'staging']) {
      expect(databaseObjects(renderOf(cnpg(), env))).toEqual([]);
      expect(
        renderOf(cnpg(), env).every((o) => o.metadata.namespace === undefined || o.metadata.namespace === (env === 'production' ? 'shop' : 'shop-staging')),
      ).toBe(true);
    }
    for (const object of platformOf(cnpg()).filter((o) => o.kind !== 'Database')) {
      expect(object.metadata.labels!['app.kubernetes.io/managed-by']).toBe('berth');
      expect(object.metadata.labels!['berth.dev/environment']).toBeUndefined();
    }
  });

  it('lets berth connect as superuser and applies the configured size and image', () => {
    const cluster = platformOf(cnpg((c) => Object.assign(c.database, { storageClass: 'local-path', imageName: 'ghcr.io/cloudnative-pg/postgresql:16' }))).find(
      (o) => o.kind === 'Cluster',
    ) as any;
    expect(cluster.spec.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    expect(cluster.spec).toMatchObject({
      instances: 2,
      enableSuperuserAccess: true,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:16',
      storage: { size: '20Gi', storageClass: 'local-path' },
    });
  });

  it("lets only the apps' namespaces (5432) and the operator (8000, 5432) into the database namespace", () => {
    const policy = platformOf(cnpg()).find((o) => o.kind === 'NetworkPolicy') as any;
    expect(policy.metadata).toMatchObject({ name: 'pg', namespace: 'postgres' });
    expect(policy.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: {} }] },
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } } }],
          ports: [
            { port: 8000, protocol: 'TCP' },
            { port: 5432, protocol: 'TCP' },
          ],
        },
        {
          from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop', 'shop-staging'] }] } }],
          ports: [{ port: 5432, protocol: 'TCP' }],
        },
      ],
    });
    expect(platformOf(cnpg((c) => (c.cluster.networkPolicy = false))).some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });

  it('names Database objects after their server, so renaming the server makes new ones (the cluster reference is immutable)', () => {
    const names = (config: BerthConfig) =>
      platformOf(config)
        .filter((o) => o.kind === 'Database')
        .map((o) => o.metadata.name);
    const renamed = names(cnpg((c) => (c.database.name = 'main-db')));
    expect(renamed).toContain('main-db.api.production');
    expect(renamed.some((n) => names(cnpg()).includes(n))).toBe(false);
  });

  it('spreads the PgBouncer instances over nodes (seed 003 lost both to one node)', () => {
    const pooler = platformOf(cnpg()).find((o) => o.kind === 'Pooler') as any;
    expect(pooler.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'cnpg.io/poolerName': 'pg-pooler' } } } },
    ]);
    const required = platformOf(cnpg((c) => (c.database.antiAffinity = 'required')));
    expect(
      (required.find((o) => o.kind === 'Pooler') as any).spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
    ).toEqual([{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'cnpg.io/poolerName': 'pg-pooler' } } }]);
    expect((required.find((o) => o.kind === 'Cluster') as any).spec.affinity.podAntiAffinityType).toBe('required');
  });

  it("keeps the pool within each app role's CONNECTION LIMIT across all pooler instances", () => {
    for (const [instances, limit] of [
      [2, 20],
      [3, 20],
      [2, 5],
      [4, 10],
    ] as const) {
      const config = cnpg((c) => {
        c.database.pooler = { instances, poolMode: 'transaction' };
        c.database.connectionLimit = limit;
      });
      const pooler = platformOf(config).find((o) => o.kind === 'Pooler') as any;
      const pool = Number(pooler.spec.pgbouncer.parameters.default_pool_size);
      // Room is left for the migration runner's direct session.
      expect(pool * instances, `${instances} × ${pool} within ${limit}`).toBeLessThan(limit);
      expect(pool).toBeGreaterThanOrEqual(1);
    }
    expect(validateConfig(cnpg((c) => (c.database.connectionLimit = 2))).warnings).toContainEqual({
      path: 'database.connectionLimit',
      message: expect.stringMatching(/2 pooler instances .* at least/),
    });
  });

  it('omits the Pooler with pooler: false', () => {
    expect(platformOf(cnpg((c) => (c.database.pooler = false))).some((o) => o.kind === 'Pooler')).toBe(false);
  });

  it('renders no database objects when no app in the output uses the database', () => {
    const config = cnpg((c) => {
      c.apps.web.database = false;
      c.apps.api.database = false;
      delete c.apps.api.migrate;
    });
    expect(databaseObjects(renderOf(config))).toEqual([]);
  });

  it('renders nothing CloudNativePG for an external server', () => {
    expect(databaseObjects(renderOf(withConfig(() => {})))).toEqual([]);
    expect(platformOf(withConfig(() => {}))).toEqual([]);
  });

  it('uses the defaults (berth-pg in postgres, 2 instances, transaction pooling) when only the mode is set', () => {
    const objects = platformOf(withConfig((c) => (c.database = { mode: 'cnpg' })));
    const pooler = objects.find((o) => o.kind === 'Pooler') as any;
    expect(pooler.metadata).toMatchObject({ name: 'berth-pg-pooler', namespace: 'postgres' });
    expect(pooler.spec).toMatchObject({ cluster: { name: 'berth-pg' }, instances: 2, type: 'rw', pgbouncer: { poolMode: 'transaction' } });
  });

  describe('continuous backup (CloudNativePG barman-cloud)', () => {
    const store = { s3: { bucket: 'pg-archive', endpoint: 'https://s3.example.net', prefix: '/prod/', credentialsSecret: 'pg-archive-s3' } };

    it('is off unless configured: no backup settings, no ScheduledBackup', () => {
      const objects = platformOf(cnpg());
      expect((objects.find((o) => o.kind === 'Cluster') as any).spec.backup).toBeUndefined();
      expect(objects.some((o) => o.kind === 'ScheduledBackup')).toBe(false);
    });

    it("archives WAL and base backups to S3 with seed 000's 30-day retention, and schedules a nightly base backup", () => {
      const objects = platformOf(cnpg((c) => (c.database.continuousBackup = { store })));
      const cluster = objects.find((o) => o.kind === 'Cluster') as any;
      expect(cluster.spec.backup).toEqual({
        barmanObjectStore: {
          destinationPath: 's3://pg-archive/prod',
          endpointURL: 'https://s3.example.net',
          s3Credentials: {
            accessKeyId: { name: 'pg-archive-s3', key: 'AWS_ACCESS_KEY_ID' },
            secretAccessKey: { name: 'pg-archive-s3', key: 'AWS_SECRET_ACCESS_KEY' },
          },
          wal: { compression: 'gzip' },
          data: { compression: 'gzip' },
        },
        retentionPolicy: '30d',
      });
      const scheduled = objects.find((o) => o.kind === 'ScheduledBackup') as any;
      expect(scheduled.metadata).toMatchObject({ name: 'pg', namespace: 'postgres' });
      // The operator's cron format has a leading seconds field.
      expect(scheduled.spec).toEqual({
        cluster: { name: 'pg' },
        schedule: '0 0 2 * * *',
        method: 'barmanObjectStore',
        backupOwnerReference: 'self',
        immediate: true,
      });
    });

    it('takes the retention, schedule and compression given', () => {
      const objects = platformOf(cnpg((c) => (c.database.continuousBackup = { store, retention: '4w', schedule: '30 1 * * 0', compression: 'zstd' })));
      const cluster = objects.find((o) => o.kind === 'Cluster') as any;
      expect(cluster.spec.backup.retentionPolicy).toBe('4w');
      expect(cluster.spec.backup.barmanObjectStore.wal.compression).toBe('zstd');
      expect((objects.find((o) => o.kind === 'ScheduledBackup') as any).spec.schedule).toBe('0 30 1 * * 0');
    });

    it('refuses a store barman-cloud cannot write to, and a retention the operator cannot read, naming the field', () => {
      const nfs = () => validateConfig(cnpg((c) => (c.database.continuousBackup = { store: { nfs: { server: 'nas', path: '/pg' } } })));
      expect(nfs).toThrow(/database\.continuousBackup\.store.*S3-compatible object storage only/s);
      const retention = () => validateConfig(cnpg((c) => (c.database.continuousBackup = { store, retention: '30 days' })));
      expect(retention).toThrow(/database\.continuousBackup\.retention.*e\.g\. 30d/s);
    });
  });
});
