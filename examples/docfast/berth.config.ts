// Seed 003: DocFast on 3 Hetzner ARM nodes. CloudNativePG with 2 instances behind a PgBouncer
// pooler, production with 2 spread replicas and 10-second node failover, a 1-replica staging, and
// pg_dump backups every 6 hours kept 7 daily / 4 weekly.
import { defineConfig } from 'berth';

export default defineConfig({
  cluster: {
    ingressClass: 'traefik',
    certIssuer: 'letsencrypt-prod',
    imagePullSecret: 'forgejo-registry',
    nodeFailureEviction: 10,
    berthImage: 'git.cloonar.com/openclawd/berth:0.1.0',
  },
  database: {
    mode: 'cnpg',
    name: 'main-db',
    namespace: 'postgres',
    instances: 2,
    storage: '10Gi',
    storageClass: 'local-path',
    imageName: 'ghcr.io/cloudnative-pg/postgresql:17.4',
    pooler: { instances: 2, poolMode: 'transaction' },
  },
  backups: {
    store: {
      s3: { bucket: 'docfast-backups', endpoint: 'https://nbg1.your-objectstorage.com', region: 'nbg1', prefix: 'db/', credentialsSecret: 'backup-s3' },
    },
  },
  environments: {
    production: { namespace: 'docfast', tagScheme: 'semver' },
    staging: {
      namespace: 'docfast-staging',
      tagScheme: 'git-sha',
      apps: { docfast: { replicas: 1, domains: ['staging.docfast.dev'], backups: false } },
    },
  },
  apps: {
    docfast: {
      image: 'git.cloonar.com/openclawd/docfast',
      port: 3100,
      domains: ['docfast.dev'],
      health: { path: '/health', interval: 5 },
      replicas: 2,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      env: { NODE_ENV: 'production', SMTP_HOST: 'mail.cloonar.com' },
      secrets: ['STRIPE_SECRET_KEY', 'SMTP_PASSWORD'],
      database: true,
      backups: { schedule: '0 */6 * * *', retention: { daily: 7, weekly: 4, monthly: 0 } },
    },
  },
});
