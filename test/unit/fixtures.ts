/** A small valid config that tests change one field at a time. */
import type { BerthConfig } from '../../src/config/schema.ts';

export function baseConfig(): BerthConfig {
  return {
    cluster: { ingressClass: 'traefik', certIssuer: 'letsencrypt-prod' },
    database: { mode: 'external', host: '10.0.0.2', admin: { env: 'PG_ADMIN_URL' } },
    environments: {
      production: { namespace: 'shop' },
      staging: { namespace: 'shop-staging', apps: { web: { domains: ['staging.shop.dev'], replicas: 1 } } },
    },
    apps: {
      web: {
        image: 'ghcr.io/acme/shop',
        port: 3000,
        domains: ['shop.dev'],
        health: { path: '/healthz' },
        replicas: 2,
        env: { NODE_ENV: 'production' },
        secrets: ['SESSION_SECRET'],
        database: true,
        processes: { worker: { command: ['node', 'worker.js'], singleton: true } },
      },
    },
  };
}

/** Applies an edit to a fresh base config; tests read as "the base, but with …". */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into any field, including wrong ones
export function withConfig(edit: (c: any) => void): BerthConfig {
  const config = baseConfig();
  edit(config);
  return config;
}

/** The smallest valid config as a user writes it: one environment, one web app. */
export const MINIMAL_YAML = `
environments:
  production: { namespace: shop }
apps:
  web:
    image: ghcr.io/acme/shop
    port: 3000
    domains: [shop.dev]
`;
