// Seed 001: honeyDue on a 3-node K3s HA cluster with K3s' Traefik. One Dockerfile builds the api,
// worker and admin images (--target); the Asynq worker is a singleton (two schedulers would
// double-run jobs). Migrations serialize across 3 replicas on first boot, which took up to 240 s.
// Containers are named like the seed's runbook expects: `kubectl set image deployment/api api=…`.
import { defineConfig } from 'berth';

export default defineConfig({
  cluster: {
    ingressClass: 'traefik',
    certIssuer: false, // Cloudflare terminates TLS (Flexible SSL)
    imagePullSecret: 'gitea-registry',
    nodeFailureEviction: 30,
    // K3s' Traefik runs as a hostNetwork DaemonSet: requests reach the pods from the nodes, not
    // from a pod in kube-system. With flannel, node-to-pod traffic leaves through the node's
    // pod-network gateway, so the cluster CIDR is listed beside the nodes' private network.
    ingressHostNetwork: true,
    networkPolicy: { ingressFrom: ['10.0.1.0/24', '10.42.0.0/16'] },
  },
  // Seed 001's deploy-k3s/manifests/traefik-helmchartconfig.yaml: one Traefik per node on the
  // nodes' own ports 80 and 443.
  platform: { traefik: { hostNetwork: true } },
  database: {
    mode: 'external',
    host: '10.0.1.5',
    admin: { env: 'HONEYDUE_PG_ADMIN_URL' },
  },
  environments: {
    production: { namespace: 'honeydue', tagScheme: 'git-sha' },
  },
  apps: {
    api: {
      image: 'gitea.treytartt.com/admin/honeydue-api',
      port: 8000,
      domains: ['api.honeydue.app'],
      health: { path: '/api/health/', startupTimeout: 240 },
      replicas: 3,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      // Static Go binaries: any non-root user will do (Pod Security "restricted").
      securityContext: { runAsUser: 65532, runAsGroup: 65532 },
      env: { GIN_MODE: 'release', REDIS_URL: 'redis://redis.honeydue.svc:6379/0' },
      secrets: ['SECRET_KEY', 'APNS_KEY', 'B2_APPLICATION_KEY'],
      // The seed's one Secret, rotated with `kubectl patch secret honeydue-secrets`.
      secretName: 'honeydue-secrets',
      database: true,
      migrate: { command: ['/app/api', 'migrate'] },
      processes: {
        worker: { image: 'gitea.treytartt.com/admin/honeydue-worker', singleton: true, resources: { limits: { memory: '256Mi' } } },
      },
    },
    admin: {
      image: 'gitea.treytartt.com/admin/honeydue-admin',
      port: 3000,
      domains: ['admin.honeydue.app'],
      // Next.js serves at /; probing /admin/ returned 404 and killed the pods.
      health: { path: '/', startupTimeout: 120 },
      replicas: 2,
      // The nextjs user of Next.js' standalone Dockerfile.
      securityContext: { runAsUser: 1001, runAsGroup: 1001 },
      env: { NEXT_PUBLIC_API_URL: 'https://api.honeydue.app' },
    },
  },
});
