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
    // Two workers, two instances of each: never both on one node (the seed's HA test).
    antiAffinity: 'required',
  },
  // The operator layer and the HA settings seed 003 kept as runtime patches, as code:
  // `berth platform apply` (or `berth render --platform --out` for GitOps).
  platform: {
    certManager: { version: 'v1.17.2' },
    cnpg: { version: '0.23.2', replicas: 2, spread: 'required' },
    issuer: { email: 'ops@docfast.dev' },
    traefik: { daemonSet: true },
    coredns: { replicas: 3 },
  },
  backups: {
    store: {
      s3: { bucket: 'docfast-backups', endpoint: 'https://nbg1.your-objectstorage.com', region: 'nbg1', prefix: 'db/', credentialsSecret: 'backup-s3' },
    },
  },
  environments: {
    // The databases exist already (docfast, docfast_staging): `berth db adopt docfast --env …`
    // takes them over by name. Staging gets a role of its own first (one role per environment).
    production: { namespace: 'docfast', tagScheme: 'semver', apps: { docfast: { database: { name: 'docfast', role: 'docfast' } } } },
    staging: {
      namespace: 'docfast-staging',
      tagScheme: 'git-sha',
      // staging.docfast.dev has no DNS record yet, so no certificate can be issued: plain HTTP.
      certIssuer: false,
      apps: {
        docfast: { replicas: 1, domains: ['staging.docfast.dev'], backups: false, database: { name: 'docfast_staging', role: 'docfast_staging' } },
      },
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
      // The Node image's own user: Pod Security "restricted".
      securityContext: { runAsUser: 1000, runAsGroup: 1000 },
      env: { NODE_ENV: 'production', SMTP_HOST: 'mail.cloonar.com' },
      secrets: ['STRIPE_SECRET_KEY', 'SMTP_PASSWORD'],
      database: true,
      backups: { schedule: '0 */6 * * *', retention: { daily: 7, weekly: 4, monthly: 0 } },
    },
  },
});
