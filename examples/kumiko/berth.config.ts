// Seed 000: one Hetzner K3s cluster runs every Kumiko-built app. ingress-nginx and cert-manager,
// one CloudNativePG cluster with a database per app, migrations in an init container.
import { defineConfig } from 'berth';

export default defineConfig({
  cluster: {
    ingressClass: 'nginx',
    certIssuer: 'letsencrypt-prod',
    imagePullSecret: 'ghcr-pull',
  },
  // Seed 000's "operators" stack (ingress-nginx and Velero stay outside berth).
  platform: { certManager: true, cnpg: true, issuer: { email: 'ops@kumiko.so' } },
  database: {
    mode: 'cnpg',
    name: 'pg',
    namespace: 'postgres',
    instances: 2,
    storage: '20Gi',
    pooler: { instances: 2, poolMode: 'transaction' },
    // barman-cloud WAL archiving to Hetzner Object Storage, 30 days (the Secret lives in `postgres`).
    continuousBackup: {
      store: { s3: { bucket: 'kumiko-pg-archive', endpoint: 'https://fsn1.your-objectstorage.com', credentialsSecret: 'pg-archive-s3' } },
      retention: '30d',
    },
  },
  environments: {
    production: { namespace: 'kumiko', tagScheme: 'git-sha' },
  },
  apps: {
    platform: {
      image: 'ghcr.io/kumiko-so/platform',
      port: 3000,
      domains: ['kumiko.so'],
      wwwRedirect: true,
      health: { path: '/healthz', startupTimeout: 180 },
      replicas: 2,
      // oven/bun's bun user.
      securityContext: { runAsUser: 1000, runAsGroup: 1000 },
      database: true,
      migrate: { command: ['bun', '/app/kumiko.js', 'migrate', 'apply'] },
      secrets: ['SESSION_SECRET'],
    },
    'my-app': {
      image: 'ghcr.io/kumiko-so/my-app',
      port: 3000,
      domains: ['my-app.kumiko.so'],
      health: { path: '/healthz' },
      securityContext: { runAsUser: 1000, runAsGroup: 1000 },
      database: true,
      migrate: { command: ['bun', '/app/kumiko.js', 'migrate', 'apply'] },
    },
    docs: {
      image: 'ghcr.io/kumiko-so/docs',
      port: 8080,
      domains: ['docs.kumiko.so'],
      // Static files from nginx-unprivileged (uid 101), read-only but for /tmp.
      securityContext: { runAsUser: 101, runAsGroup: 101, readOnlyRootFilesystem: true },
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
    },
  },
});
