/**
 * CloudNativePG objects for `database.mode: 'cnpg'`: the shared Postgres `Cluster`, its PgBouncer
 * `Pooler`, and one `Database` per app and environment (postgresql.cnpg.io/v1).
 *
 * The Cluster and Pooler are platform objects shared by every environment. They are rendered
 * into each environment's output that has an app with `database: true`, byte-identical whichever
 * environment renders them, and without an environment label: applying any environment creates
 * or updates them, the same server-side apply from two environments is a no-op, and a prune of
 * one environment's objects (selected by that label) can never delete the database server.
 *
 * Databases and roles themselves are created by `berth db create` (it needs a password, which a
 * pure render cannot make). The `Database` resource records the database declaratively with
 * `databaseReclaimPolicy: retain`, so deleting the resource never drops data.
 */
import type { ResolvedApp, ResolvedCnpgDatabase, ResolvedContinuousBackup, ResolvedDatabase, ResolvedEnvironment } from '../config/resolved.ts';
import { appLabels, KEEP_ON_PRUNE, LABEL, MANAGED_BY } from '../model/labels.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';
import { namespaceSelector, tcp, toWire } from './network-policy.ts';
import type { V1NetworkPolicy, V1NetworkPolicyIngressRule } from '@kubernetes/client-node';

const API_VERSION = 'postgresql.cnpg.io/v1';
const POOLER_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };

/**
 * Everything in the database's namespace: the namespace, the Cluster, the Pooler, and one
 * `Database` per app and environment. None of it lives in an environment's namespace, so it is
 * rendered on its own (`berth render --platform`): an environment's output then holds only its own
 * namespace (Flux may relocate it with targetNamespace), and pruning or deleting an environment
 * can never take the database server with it.
 */
export function renderDatabasePlatform(database: ResolvedDatabase | undefined, environments: ResolvedEnvironment[]): KubeObject[] {
  if (database?.mode !== 'cnpg') return [];
  const settings = database;
  const objects = [renderDatabaseNamespace(settings), renderCnpgCluster(settings)];
  if (settings.pooler) objects.push(renderCnpgPooler(settings, settings.pooler));
  if (settings.continuousBackup) objects.push(renderCnpgScheduledBackup(settings, settings.continuousBackup));
  for (const env of environments) {
    for (const app of env.apps.filter((a) => a.database)) objects.push(renderCnpgDatabase(app, settings));
  }
  if (environments[0]?.cluster.networkPolicy !== false) objects.push(renderDatabaseNetworkPolicy(settings, environments));
  return objects;
}

/**
 * Ingress to the database namespace: its own pods (replication, the pooler), the operator on its
 * status port and 5432, and the namespaces of environments with database apps on 5432. Nothing
 * else reaches Postgres, whatever the rest of the cluster runs.
 */
function renderDatabaseNetworkPolicy(settings: ResolvedCnpgDatabase, environments: ResolvedEnvironment[]): KubeObject {
  const clients = [...new Set(environments.filter((e) => e.apps.some((a) => a.database)).map((e) => e.namespace))].sort();
  const ingress: V1NetworkPolicyIngressRule[] = [
    { _from: [{ podSelector: {} }] },
    { _from: [{ namespaceSelector: namespaceSelector(settings.operatorNamespace) }], ports: tcp([8000, 5432]) },
  ];
  if (clients.length) {
    ingress.push({
      _from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: clients }] } }],
      ports: tcp([5432]),
    });
  }
  const policy: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: settings.name, namespace: settings.namespace, labels: platformLabels('database') },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress },
  };
  return kube(toWire(policy) as V1NetworkPolicy);
}

function platformLabels(component: string): Record<string, string> {
  return { [LABEL.managedBy]: MANAGED_BY, [LABEL.partOf]: 'berth', [LABEL.component]: component };
}

function renderDatabaseNamespace(settings: ResolvedCnpgDatabase): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: settings.namespace, labels: platformLabels('database'), annotations: KEEP_ON_PRUNE } };
}

export function renderCnpgCluster(settings: ResolvedCnpgDatabase): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: { name: settings.name, namespace: settings.namespace, labels: platformLabels('database'), annotations: KEEP_ON_PRUNE },
    spec: {
      instances: settings.instances,
      imageName: settings.imageName,
      // berth's admin connects as the superuser (Secret <name>-superuser) to create per-app roles.
      enableSuperuserAccess: true,
      // The operator switches over to an updated replica by itself: no human needed at 3 a.m.
      primaryUpdateStrategy: 'unsupervised',
      storage: { size: settings.storage, storageClass: settings.storageClass },
      // Without requests Postgres is the first thing evicted on a full node.
      resources: settings.resources,
      // Instances on different nodes when there are enough of them; a one-node cluster still runs.
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: settings.antiAffinity, topologyKey: 'kubernetes.io/hostname' },
      ...(settings.continuousBackup ? { backup: cnpgBackupSettings(settings.continuousBackup) } : {}),
      postgresql: {
        parameters: {
          // Many apps share one server; PgBouncer keeps the real count low.
          max_connections: '200',
          shared_buffers: '256MB',
          // A session stuck in an open transaction holds locks that block migrations.
          idle_in_transaction_session_timeout: '10min',
          log_lock_waits: 'on',
          log_min_duration_statement: '1s',
        },
      },
    },
  };
}

/**
 * WAL archiving and base backups by the operator's in-tree barman-cloud support (seed 000's setup):
 * point-in-time recovery of the whole server, beside berth's logical per-app dumps. CloudNativePG
 * 1.28 still serves `spec.backup.barmanObjectStore`; the barman-cloud plugin that replaces it needs
 * its own operator, which berth does not install.
 */
function cnpgBackupSettings(backup: ResolvedContinuousBackup): Record<string, unknown> {
  const secret = backup.s3.credentialsSecret;
  const prefix = backup.s3.prefix.replace(/^\/+|\/+$/g, '');
  return {
    barmanObjectStore: {
      destinationPath: `s3://${backup.s3.bucket}${prefix ? `/${prefix}` : ''}`,
      ...(backup.s3.endpoint ? { endpointURL: backup.s3.endpoint } : {}),
      // The same key names as berth's own backup store credentials, so one Secret's data serves both.
      s3Credentials: {
        accessKeyId: { name: secret, key: 'AWS_ACCESS_KEY_ID' },
        secretAccessKey: { name: secret, key: 'AWS_SECRET_ACCESS_KEY' },
      },
      wal: { compression: backup.compression },
      data: { compression: backup.compression },
    },
    retentionPolicy: backup.retention,
  };
}

/** The nightly base backup; the operator's cron has a seconds field and runs in UTC. */
export function renderCnpgScheduledBackup(settings: ResolvedCnpgDatabase, backup: ResolvedContinuousBackup): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'ScheduledBackup',
    metadata: { name: settings.name, namespace: settings.namespace, labels: platformLabels('database-backup') },
    spec: {
      cluster: { name: settings.name },
      schedule: `0 ${backup.schedule}`,
      method: 'barmanObjectStore',
      // Backup objects belong to the schedule: deleting it cleans them up, never the archive itself.
      backupOwnerReference: 'self',
      // A first base backup right away, so point-in-time recovery works from the first day.
      immediate: true,
    },
  };
}

export function renderCnpgPooler(settings: ResolvedCnpgDatabase, pooler: NonNullable<ResolvedCnpgDatabase['pooler']>): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Pooler',
    metadata: { name: pooler.name, namespace: settings.namespace, labels: platformLabels('database-pooler') },
    spec: {
      cluster: { name: settings.name },
      instances: pooler.instances,
      type: 'rw',
      template: {
        spec: {
          containers: [{ name: 'pgbouncer', resources: POOLER_RESOURCES }],
          // Both instances on one node is one node failure from no database at all (seed 003).
          affinity: { podAntiAffinity: antiAffinity(settings.antiAffinity, { 'cnpg.io/poolerName': pooler.name }) },
        },
      },
      pgbouncer: {
        poolMode: pooler.poolMode,
        parameters: { max_client_conn: '1000', default_pool_size: String(pooler.poolSize) },
      },
    },
  };
}

function antiAffinity(kind: 'preferred' | 'required', labels: Record<string, string>) {
  const term = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } };
  return kind === 'required'
    ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
    : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] };
}

export function renderCnpgDatabase(app: ResolvedApp, settings: ResolvedCnpgDatabase): KubeObject {
  const identity = app.database!;
  return {
    apiVersion: API_VERSION,
    kind: 'Database',
    // Lives with the Cluster (CNPG requires the same namespace), named for server, app and
    // environment. `<server>.<app>.<env>`: all are DNS labels, so the dots keep every triple
    // distinct (a dash would not: x-shop-web in qa and x-shop in web-qa would meet). The server
    // is in the name because a Database's cluster reference is immutable: a renamed server gets
    // new objects instead of an update the API server refuses.
    metadata: { name: `${settings.name}.${app.name}.${app.environment}`, namespace: settings.namespace, labels: appLabels(app, 'database') },
    spec: {
      cluster: { name: settings.name },
      name: identity.database,
      owner: identity.role,
      ensure: 'present',
      databaseReclaimPolicy: 'retain',
    },
  };
}
