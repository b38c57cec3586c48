/**
 * A config made concrete for one environment: overrides merged, defaults applied, names derived.
 * The renderer reads only these types, so it never has to guess a default.
 */
import type { BackupSettings } from './backup-settings.ts';
import type { DatabaseConfig } from './schema.ts';

export interface Resources {
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
}

export interface Health {
  path: string | undefined;
  startupTimeout: number;
  interval: number;
}

export interface Hpa {
  min: number;
  max: number;
  cpuPercent: number;
}

export interface ResolvedProcess {
  /** `web`, `worker`, … */
  name: string;
  /** Name of its Deployment, Service and PDB: the app name for web, `<app>-<process>` otherwise. */
  objectName: string;
  command: string[] | undefined;
  args: string[] | undefined;
  replicas: number;
  singleton: boolean;
  resources: Resources;
  port: number | undefined;
  domains: string[];
  path: string;
  health: Health;
  hpa: Hpa | undefined;
  /** Names of the app volumes mounted into this process. */
  volumes: string[];
  /** Whether the migrate init container runs before this process starts. */
  migrates: boolean;
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
}

export interface ResolvedApp {
  name: string;
  environment: string;
  namespace: string;
  /** Full image reference including the tag being rendered. */
  image: string;
  tag: string;
  env: Record<string, string>;
  secrets: string[];
  database: boolean;
  migrate: { command: string[] | undefined; dir: string } | undefined;
  wwwRedirect: boolean;
  fsGroup: number | undefined;
  processes: ResolvedProcess[];
  cron: ResolvedCron[];
  volumes: ResolvedVolume[];
  /** Scheduled backups in this environment (the backup CronJob), when configured. */
  backups?: BackupSettings;
}

export interface ResolvedCluster {
  context: string | undefined;
  ingressClass: 'traefik' | 'nginx';
  ingressNamespace: string;
  certIssuer: string | false;
  imagePullSecret: string | undefined;
  nodeFailureEviction: number;
  berthImage: string;
}

export interface ResolvedEnvironment {
  name: string;
  namespace: string;
  tagScheme: string;
  cluster: ResolvedCluster;
  database: DatabaseConfig | undefined;
  apps: ResolvedApp[];
}
