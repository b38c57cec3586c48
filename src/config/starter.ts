/** The config `berth init` writes: every common field, commented, valid as written. */

export const STARTER_TS = `// berth.config.ts — one file describes every app, environment and the shared database.
// Check it with \`berth validate\`; see the rendered Kubernetes objects with \`berth render --tag prod-20260301.1\`.
import { defineConfig } from 'berth';

export default defineConfig({
  cluster: {
    // context: 'my-k3s',            // kube context to use (default: the current one)
    ingressClass: 'traefik',          // K3s ships Traefik; use 'nginx' for ingress-nginx
    certIssuer: 'letsencrypt-prod',   // cert-manager ClusterIssuer; false for plain HTTP
    // imagePullSecret: 'ghcr-pull',  // for private registries
    nodeFailureEviction: 30,          // seconds before pods leave a dead node (Kubernetes: 300)
  },

  // The shared PostgreSQL. Credentials are referenced, never written here.
  database: {
    mode: 'external',
    host: '10.0.0.2',                 // as pods reach it, e.g. the node's private IP
    admin: { env: 'BERTH_DATABASE_ADMIN_URL' },
  },

  environments: {
    production: { namespace: 'web-prod', tagScheme: 'prod-YYYYMMDD.N' },
    staging: {
      namespace: 'web-staging',
      apps: { web: { replicas: 1, domains: ['staging.example.com'] } },
    },
  },

  apps: {
    web: {
      image: 'ghcr.io/acme/web',
      port: 3000,
      domains: ['example.com'],
      wwwRedirect: true,              // www.example.com → example.com
      health: { path: '/healthz' },
      replicas: 2,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
      env: { NODE_ENV: 'production' },
      secrets: ['SESSION_SECRET'],    // values live in the Secret web-secrets (kubectl create secret …)
      database: true,                 // berth creates a database and sets DATABASE_URL
      migrate: { command: ['npm', 'run', 'migrate'] },
      processes: {
        worker: { command: ['node', 'worker.js'], singleton: true },
      },
      cron: {
        cleanup: { schedule: '0 4 * * *', command: ['node', 'cleanup.js'] },
      },
    },
  },
});
`;

export const STARTER_OBJECT = {
  cluster: { ingressClass: 'traefik', certIssuer: 'letsencrypt-prod' },
  environments: { production: { namespace: 'web-prod' } },
  apps: {
    web: {
      image: 'ghcr.io/acme/web',
      port: 3000,
      domains: ['example.com'],
      health: { path: '/healthz' },
      replicas: 2,
    },
  },
};
