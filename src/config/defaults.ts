/**
 * Every default berth applies, in one place, so the config reference and the renderer agree.
 */
import { BERTH_VERSION } from '../version.ts';

export const DEFAULTS = {
  cluster: {
    ingressClass: 'traefik',
    /** Where K3s' bundled Traefik and the ingress-nginx chart run. */
    ingressNamespace: { traefik: 'kube-system', nginx: 'ingress-nginx' },
    certIssuer: 'letsencrypt-prod',
    /** Seed 003 measured ~10-15 s failover at 10 s; 30 s tolerates a brief network blip. */
    nodeFailureEviction: 30,
    berthImage: `ghcr.io/berth-sh/berth:${BERTH_VERSION}`,
  },
  app: {
    replicas: 1,
    path: '/',
    wwwRedirect: false,
    resources: {
      // No CPU limit: throttling a web app under a burst hurts more than it protects on a small node.
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { memory: '512Mi' },
    },
    health: {
      /** Seed 001's first boot with serialized migrations took up to 240 s. */
      startupTimeout: 300,
      interval: 5,
    },
  },
  hpa: { cpuPercent: 70 },
  volume: { accessMode: 'ReadWriteOnce' },
  cron: { timeout: 3600 },
  migrate: { dir: '/app/migrations' },
  backups: {
    retention: { daily: 7, weekly: 4, monthly: 6, maxAgeDays: 365 },
    compression: 'zstd',
    notify: 'all',
    restoreTestDays: 7,
    /** A run may take a while (dump, verify, test restore) before it counts as missed. */
    staleAfterMinutes: 120,
    /** Seconds a scheduled run may take. */
    timeout: 6 * 3600,
    /** Where the PVC or NFS store is mounted in the backup CronJob's pod. */
    mountPath: '/backups',
    pvcSize: '20Gi',
  },
  tagScheme: 'any',
  database: {
    external: { port: 5432, sslMode: 'prefer', connectionLimit: 20 },
    cnpg: {
      name: 'berth-pg',
      namespace: 'postgres',
      instances: 2,
      storage: '10Gi',
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
      pooler: { instances: 2, poolMode: 'transaction' },
      connectionLimit: 20,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
    },
  },
} as const;

/** The process an app's top-level port, domains and health describe. */
export const WEB_PROCESS = 'web';
