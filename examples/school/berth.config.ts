// Seed 004: the school platform. Evidence uploads on an NFS share from the NAS, PostgreSQL run as
// a Deployment on NFS (strategy Recreate: one writer; fsGroup 999 for the postgres user), images tagged
// prod-YYYYMMDD.N, and daily backups at 03:00 Perth time kept for 30 days with Slack notices.
import { defineConfig } from 'berth';

export default defineConfig({
  cluster: {
    ingressClass: 'traefik',
    certIssuer: 'letsencrypt-prod',
    imagePullSecret: 'school-platform-registry',
    // berth's own image (built from its Dockerfile) runs the scheduled backups.
    berthImage: 'registry.gitlab.com/school/berth:0.1.0',
  },
  database: {
    mode: 'external',
    host: 'school-platform-db.school.svc.cluster.local',
    admin: { secret: { namespace: 'school', name: 'school-platform-db-secret', key: 'ADMIN_URL' } },
  },
  backups: {
    store: { nfs: { server: 'nas.local', path: '/school/backups' } },
    // A Secret in the app's namespace, so the backup CronJob can post too.
    slackWebhook: { secret: { namespace: 'school', name: 'school-slack', key: 'webhook' } },
  },
  environments: {
    // Flux's ImageUpdateAutomation moves the tag: `render --out` marks the images it updates.
    production: { namespace: 'school', tagScheme: 'prod-YYYYMMDD.N', imagePolicy: { namespace: 'flux-system' } },
  },
  apps: {
    'school-platform': {
      image: 'registry.gitlab.com/school/platform',
      port: 3000,
      domains: ['school.example.org'],
      health: { path: '/api/health', startupTimeout: 120 },
      env: { NODE_ENV: 'production', STORAGE_DIR: '/school' },
      secrets: ['NEXTAUTH_SECRET', 'OPENAI_API_KEY'],
      securityContext: { runAsUser: 1001, runAsGroup: 1001 },
      database: true,
      // Idempotent schema sync, run before the app starts (prisma's SQL, IF NOT EXISTS everywhere).
      migrate: { command: ['node', 'scripts/schema-sync.mjs'] },
      volumes: {
        storage: { mountPath: '/school', nfs: { server: 'nas.local', path: '/school' }, size: '50Gi', accessMode: 'ReadWriteMany' },
      },
      backups: { schedule: '0 3 * * *', timeZone: 'Australia/Perth', retention: { daily: 30, weekly: 0, monthly: 0 } },
    },
    'school-platform-db': {
      image: 'postgres:16-alpine',
      port: 5432,
      // The official image starts as root, prepares its data directory and switches to postgres
      // (uid 999): no runAsUser, so berth keeps the capabilities it needs (Pod Security "baseline").
      securityContext: { fsGroup: 999 },
      // NFS would let a second postmaster mount the same data directory during a rolling update.
      strategy: 'Recreate',
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      env: { PGDATA: '/var/lib/postgresql/data/pgdata' },
      secrets: ['POSTGRES_PASSWORD'],
      volumes: {
        data: {
          mountPath: '/var/lib/postgresql/data',
          subPath: 'postgres',
          nfs: { server: 'nas.local', path: '/school/db' },
          size: '20Gi',
        },
      },
    },
  },
});
