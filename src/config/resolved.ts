/**
 * A config made concrete for one environment: overrides merged, defaults applied, names derived.
 * The renderer reads only these types, so it never has to guess a default.
 */
import type { DatabaseIdentity } from '../model/database-names.ts';
import type { TagSource } from './image-tags.ts';
import type { CredentialRef } from './schema.ts';
import type { BackupSettings } from './backup-settings.ts';

export interface Resources {
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
}

export interface Health {
  path: string | undefined;
  startupTimeout: number;
  startupInterval: number;
  interval: number;
  timeout: number;
  failureThreshold: number;
  liveness: { interval: number; timeout: number; failureThreshold: number } | undefined;
}

export interface Hpa {
  min: number;
  max: number;
  cpuPercent: number;
}

/** Who a container runs as (see DEFAULTS.security). */
export interface Security {
  /** Refuses to start as root: Pod Security "restricted". */
  nonRoot: boolean;
  runAsUser: number | undefined;
  runAsGroup: number | undefined;
  fsGroup: number | undefined;
  readOnlyRootFilesystem: boolean;
  /** Added after dropping ALL: the root set unless non-root, plus what the config adds. */
  capabilities: string[];
}

export interface ResolvedProcess {
  /** `web`, `worker`, … */
  name: string;
  /** Name of its Deployment, Service and PDB: the app name for web, `<app>-<process>` otherwise. */
  objectName: string;
  /** Its container's name: the app name for web, the process name otherwise (`kubectl set image deployment/api api=…`). */
  container: string;
  /** Full image reference: the process's own image, or the app's. */
  image: string;
  tagSource: TagSource;
  command: string[] | undefined;
  args: string[] | undefined;
  replicas: number;
  singleton: boolean;
  strategy: 'RollingUpdate' | 'Recreate';
  resources: Resources;
  port: number | undefined;
  domains: string[];
  /** Hosts its Ingress answers: the domains, and www.<domain> for the web process with wwwRedirect. */
  hosts: string[];
  path: string;
  stripPrefix: boolean;
  health: Health;
  hpa: Hpa | undefined;
  /** Names of the app volumes mounted into this process. */
  volumes: string[];
  /** Whether the migrate init container runs before this process starts. */
  migrates: boolean;
  security: Security;
}

export interface ResolvedVolume {
  name: string;
  /** PVC name (a new or an existing claim). */
  claimName: string;
  mountPath: string;
  subPath: string | undefined;
  readOnly: boolean;
  accessMode: 'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany' | 'ReadOnlyMany';
  /** A new claim berth creates; absent when the claim already exists. */
  create: { size: string; storageClass: string | undefined } | undefined;
  /** An NFS export berth binds with its own PersistentVolume. */
  nfs: { server: string; path: string; persistentVolumeName: string } | undefined;
}

export interface ResolvedCron {
  name: string;
  objectName: string;
  schedule: string;
  timeZone: string | undefined;
  command: string[];
  resources: Resources;
  timeout: number;
  security: Security;
}

export interface EgressTarget {
  cidr?: string;
  namespace?: string;
  ports: number[] | undefined;
}

/** What an app's NetworkPolicy lets through beyond berth's defaults. */
export interface ResolvedNetworkPolicy {
  /** Address ranges that may reach the web ports (hostNetwork ingress controllers). */
  ingressFrom: string[];
  egressTo: EgressTarget[];
}

export interface ResolvedApp {
  name: string;
  environment: string;
  namespace: string;
  /** Full image reference including the tag being rendered. */
  image: string;
  tag: string;
  /** given (render's tags), config (pinned in the image) or none (`latest`). */
  tagSource: TagSource;
  env: Record<string, string>;
  secrets: string[];
  /** The Secret holding `secrets`; apps may share one. */
  secretName: string;
  /** Its database and login role on the shared server; undefined without `database`. */
  database: DatabaseIdentity | undefined;
  migrate: { command: string[] | undefined; dir: string } | undefined;
  wwwRedirect: boolean;
  processes: ResolvedProcess[];
  cron: ResolvedCron[];
  volumes: ResolvedVolume[];
  /** undefined: no NetworkPolicy (the app or the cluster opted out). */
  networkPolicy: ResolvedNetworkPolicy | undefined;
  /** Scheduled backups in this environment (the backup CronJob), when configured. */
  backups?: BackupSettings;
}

export interface ResolvedCluster {
  context: string | undefined;
  ingressClass: 'traefik' | 'nginx';
  ingressNamespace: string;
  ingressHostNetwork: boolean;
  /** false: no NetworkPolicies at all. */
  networkPolicy: ResolvedNetworkPolicy | false;
  imagePullSecret: string | undefined;
  nodeFailureEviction: number;
  berthImage: string;
}

/** Where the pods of apps reach the shared server, and how berth's CLI reaches it as admin. */
interface DatabaseCommon {
  admin: CredentialRef;
  /** Per-app role's CONNECTION LIMIT. */
  connectionLimit: number;
  /** What the app's pods connect to. */
  host: string;
  port: number;
  /** For migrations when `host` is a transaction pooler (session advisory locks need a real session). */
  directHost: string | undefined;
  /** Written into the app's URL unless it is libpq's default (prefer). */
  sslMode: string | undefined;
}

export interface ResolvedExternalDatabase extends DatabaseCommon {
  mode: 'external';
}

export interface ResolvedCnpgDatabase extends DatabaseCommon {
  mode: 'cnpg';
  /** The CloudNativePG Cluster's name. */
  name: string;
  namespace: string;
  operatorNamespace: string;
  instances: number;
  storage: string;
  storageClass: string | undefined;
  imageName: string;
  antiAffinity: 'preferred' | 'required';
  /** poolSize: server connections per app role and pooler instance, so all instances stay within connectionLimit. */
  pooler: { name: string; instances: number; poolMode: 'transaction' | 'session'; poolSize: number } | undefined;
  resources: Resources;
  continuousBackup: ResolvedContinuousBackup | undefined;
}

export interface ResolvedContinuousBackup {
  s3: { bucket: string; endpoint: string | undefined; prefix: string; credentialsSecret: string };
  retention: string;
  /** Five-field cron, UTC. */
  schedule: string;
  compression: 'gzip' | 'bzip2' | 'lz4' | 'snappy' | 'xz' | 'zstd';
}

export type ResolvedDatabase = ResolvedExternalDatabase | ResolvedCnpgDatabase;

/** Where an environment's certificates come from; undefined serves plain HTTP. */
export type Tls = { issuer: string; resolver?: undefined } | { resolver: string; issuer?: undefined };

export interface ResolvedEnvironment {
  name: string;
  namespace: string;
  /** Whether berth renders (and owns) the Namespace object. */
  createNamespace: boolean;
  tls: Tls | undefined;
  /** Tags an environment accepts; undefined accepts any, and untagged images run `latest`. */
  tagScheme: string | undefined;
  cluster: ResolvedCluster;
  database: ResolvedDatabase | undefined;
  apps: ResolvedApp[];
}

/** A Helm chart K3s' helm-controller installs (an operator), every default applied. */
export interface ResolvedOperator {
  chart: string;
  repo: string;
  version: string;
  namespace: string;
  replicas: number;
  spread: 'preferred' | 'required';
}

export type ResolvedDnsProvider =
  | { provider: 'route53'; region: string; hostedZoneID: string | undefined; credentialsSecret: string }
  | { provider: 'cloudflare'; credentialsSecret: string };

/** The cluster add-ons (`platform` in the config); undefined parts are not rendered. */
export interface ResolvedPlatform {
  certManager: ResolvedOperator | undefined;
  cnpg: ResolvedOperator | undefined;
  issuer: { name: string; email: string; server: string; ingressClass: string; dns01: ResolvedDnsProvider | undefined; namespace: string } | undefined;
  traefik:
    | {
        daemonSet: boolean;
        hostNetwork: boolean;
        ports: { web: number; websecure: number };
        acme: { email: string; resolver: string; dns: ResolvedDnsProvider; storage: string } | undefined;
      }
    | undefined;
  coredns: { replicas: number; spread: 'preferred' | 'required' } | undefined;
}

/** The admin page in the cluster (`platform.web`), every default applied. */
export interface ResolvedWeb {
  namespace: string;
  /** The Ingress host; undefined: no Ingress (reached with `kubectl port-forward`). */
  host: string | undefined;
  replicas: number;
  resources: Resources;
  port: number;
  cluster: ResolvedCluster;
  tls: Tls | undefined;
  /** The environments it may act in, sorted by namespace. */
  environments: { name: string; namespace: string }[];
  /** The database admin credential, when the in-cluster server can be given it (backups need it). */
  databaseAdmin: { secret: { namespace: string; name: string; key: string } } | { env: string } | undefined;
}
