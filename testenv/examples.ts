// The examples in examples/ point at their operators' real database servers and expect Secrets
// that only the operators hold. To deploy them on the local cluster (the README demo, the tests),
// each is copied with its database pointed at the local PostgreSQL (admin URL from an env var)
// and the Secrets its apps declare are created with demo values, as an operator would before a
// first deploy; backups go to the local S3-compatible server.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { loadConfig } from '../src/config/load.ts';
import type { ParsedConfig } from '../src/config/schema.ts';
import type { TestEnv } from './state.ts';

export const examplesDir = join(import.meta.dirname, '..', 'examples');
/** The env var the local copies read the admin URL from. */
export const ADMIN_URL_VAR = 'BERTH_DEMO_ADMIN_URL';

/** Each example's build, in the form its environment's tagScheme asks for. */
export const EXAMPLE_TAGS: Record<string, Record<string, string>> = {
  docfast: { production: '1.4.2', staging: '3f9c2ab' },
  honeydue: { production: '3f9c2ab' },
  katforge: { production: '2.7.0', qa: '2.7.0' },
  kumiko: { production: '9e1d4c7' },
  school: { production: 'prod-20260301.17' },
};

/** The example setups: directories holding a berth config (examples/ci holds CI pipelines instead). */
export function exampleNames(): string[] {
  return readdirSync(examplesDir)
    .filter((name) => readdirSync(join(examplesDir, name)).some((file) => file.startsWith('berth.config.')))
    .sort();
}

export interface LocalExample {
  name: string;
  dir: string;
  configFile: string;
  config: ParsedConfig;
  /** Environment variables the berth CLI needs to deploy it here. */
  env: Record<string, string>;
}

export async function localExample(name: string, harness: TestEnv, options: { fresh?: boolean } = {}): Promise<LocalExample> {
  const { config } = await loadConfig({ cwd: join(examplesDir, name) });
  const local: ParsedConfig = {
    ...config,
    database: { mode: 'external' as const, host: '127.0.0.1', port: harness.postgres.port, admin: { env: ADMIN_URL_VAR } },
  };
  // Backups go to the local S3 server (a deploy backs the database up before migrations run).
  if (config.backups && harness.s3) {
    const credentialsSecret = 's3' in config.backups.store ? config.backups.store.s3.credentialsSecret : 'backup-s3';
    local.backups = {
      ...config.backups,
      store: { s3: { bucket: harness.s3.bucket, endpoint: harness.s3.endpoint, region: harness.s3.region, prefix: `${name}/`, credentialsSecret } },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), `berth-example-${name}-`));
  const configFile = join(dir, 'berth.config.json');
  writeFileSync(configFile, JSON.stringify(local, null, 2));
  const kc = new KubeConfig();
  kc.loadFromFile(harness.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  if (options.fresh)
    await removeNamespaces(
      core,
      Object.values(config.environments).map((e) => e.namespace),
    );
  // Apps may share one Secret (secretName): it gets every key any of them declares.
  const secrets = new Map<string, { namespace: string; name: string; keys: Set<string> }>();
  for (const settings of Object.values(config.environments)) {
    for (const [app, spec] of Object.entries(config.apps)) {
      if (!spec.secrets?.length || settings.apps?.[app]?.enabled === false) continue;
      const name = spec.secretName ?? `${app}-secrets`;
      const entry = secrets.get(`${settings.namespace}/${name}`) ?? { namespace: settings.namespace, name, keys: new Set<string>() };
      for (const key of spec.secrets) entry.keys.add(key);
      secrets.set(`${settings.namespace}/${name}`, entry);
    }
  }
  // The backup store's credentials, which the backup CronJob reads: the local S3 server's.
  const store = local.backups?.store;
  const s3Values: Record<string, string> = harness.s3 ? { AWS_ACCESS_KEY_ID: harness.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: harness.s3.secretAccessKey } : {};
  if (store && 's3' in store) {
    for (const settings of Object.values(config.environments)) {
      secrets.set(`${settings.namespace}/${store.s3.credentialsSecret}`, {
        namespace: settings.namespace,
        name: store.s3.credentialsSecret,
        keys: new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']),
      });
    }
  }
  // Webhooks given as Secret references (the backup CronJob reads them in its namespace).
  for (const ref of [config.backups?.slackWebhook, config.notifications?.slack]) {
    if (!ref || !('secret' in ref)) continue;
    const { namespace, name, key } = ref.secret;
    const entry = secrets.get(`${namespace}/${name}`) ?? { namespace, name, keys: new Set<string>() };
    secrets.set(`${namespace}/${name}`, { ...entry, keys: entry.keys.add(key) });
  }
  for (const { namespace, name: secretName, keys } of secrets.values()) {
    await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined);
    const body = {
      metadata: { name: secretName, namespace },
      stringData: Object.fromEntries([...keys].map((k) => [k, s3Values[k] ?? `demo-${k.toLowerCase()}`])),
    };
    await core.createNamespacedSecret({ namespace, body }).catch(() => core.replaceNamespacedSecret({ name: secretName, namespace, body }));
  }
  return {
    name,
    dir,
    configFile,
    config,
    env: { KUBECONFIG: harness.kubeconfigPath, [ADMIN_URL_VAR]: harness.pgUrl, ...s3Values, ...(harness.s3 ? { AWS_REGION: harness.s3.region } : {}) },
  };
}

/** Deletes the namespaces (never Kubernetes' own) and waits until they are gone, for a clean first deploy. */
async function removeNamespaces(core: CoreV1Api, namespaces: string[]): Promise<void> {
  const ours = [...new Set(namespaces)].filter((n) => n !== 'default' && !n.startsWith('kube-'));
  await Promise.all(ours.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
  // Their PersistentVolumes would stay Released, bound to the deleted claims, and never bind again.
  const volumes = (await core.listPersistentVolume()).items.filter((v) => ours.includes(v.spec?.claimRef?.namespace ?? '')).map((v) => v.metadata!.name!);
  await Promise.all(volumes.map((name) => core.deletePersistentVolume({ name }).catch(() => undefined)));
  // Both gone before the first deploy, as on a fresh cluster: a volume still terminating when the
  // deploy reads the cluster is a different case (deploy.test.ts covers it).
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const gone = (read: Promise<unknown>) =>
      read.then(
        () => false,
        () => true,
      );
    const left = await Promise.all([
      ...ours.map((name) => gone(core.readNamespace({ name }))),
      ...volumes.map((name) => gone(core.readPersistentVolume({ name }))),
    ]);
    if (left.every(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`namespaces ${ours.join(', ')} and their volumes were not deleted within 2 minutes`);
}
