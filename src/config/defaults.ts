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
      startupInterval: 5,
      /** Seed 003's failover tuning: unready after two missed checks 5 s apart. */
      interval: 5,
      timeout: 3,
      failureThreshold: 2,
      /** Liveness only asks whether the process answers on its port at all. */
      liveness: { interval: 10, timeout: 5, failureThreshold: 3 },
    },
  },
  security: {
    /**
     * Kept for containers that may start as root: what official images such as postgres and
     * nginx need to prepare their files and drop to their own user (chown, gosu/setuid, a root
     * master signalling its workers, ports below 1024). All are allowed by Pod Security "baseline".
     */
    rootCapabilities: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETGID', 'SETUID'],
    /** The writable /tmp given to a read-only root filesystem. */
    tmpSize: '256Mi',
  },
  hpa: { cpuPercent: 70 },
  volume: { accessMode: 'ReadWriteOnce' },
  imagePolicy: { namespace: 'flux-system', name: '{image}-{environment}' },
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
  database: {
    external: { port: 5432, sslMode: 'prefer', connectionLimit: 20 },
    cnpg: {
      name: 'berth-pg',
      namespace: 'postgres',
      operatorNamespace: 'cnpg-system',
      antiAffinity: 'preferred',
      /** Role connections kept outside the pool: the migration runner's direct session and its lock. */
      directConnections: 2,
      instances: 2,
      storage: '10Gi',
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
      pooler: { instances: 2, poolMode: 'transaction' },
      connectionLimit: 20,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      /** Seed 000's barman-cloud setup: 30 days of base backups and WAL, a base backup nightly. */
      continuousBackup: { retention: '30d', schedule: '0 2 * * *', compression: 'gzip' },
    },
  },
  platform: {
    /** Chart versions pinned to the CRDs the test cluster checks against (testenv/versions.ts). */
    certManager: { chart: 'cert-manager', repo: 'https://charts.jetstack.io', version: 'v1.21.2', namespace: 'cert-manager', replicas: 2, spread: 'preferred' },
    /** cloudnative-pg chart 0.27.1 installs operator 1.28.1. */
    cnpg: {
      chart: 'cloudnative-pg',
      repo: 'https://cloudnative-pg.github.io/charts',
      version: '0.27.1',
      namespace: 'cnpg-system',
      replicas: 2,
      spread: 'preferred',
    },
    issuer: { server: 'https://acme-v02.api.letsencrypt.org/directory', staging: 'https://acme-staging-v02.api.letsencrypt.org/directory' },
    traefik: { resolver: 'letsencrypt', ports: { web: 80, websecure: 443 }, acmeStorage: '/data/acme.json' },
    coredns: { spread: 'preferred' },
    web: {
      namespace: 'berth-system',
      replicas: 1,
      /** The server's port inside its pod (`berth web --in-cluster` listens on 0.0.0.0:8080). */
      port: 8080,
      // Backups stream through the pod (pg_dump, zstd, S3 upload) with flat memory; no CPU limit, as for apps.
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    },
  },
} as const;

/** Namespaces Kubernetes makes itself: berth may deploy into `default` but never claims it. */
export const KUBERNETES_NAMESPACES = { shared: ['default'], refused: ['kube-system', 'kube-public', 'kube-node-lease'] } as const;

/** The process an app's top-level port, domains and health describe. */
export const WEB_PROCESS = 'web';
