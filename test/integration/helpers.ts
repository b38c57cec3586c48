// Helpers for integration tests: the environment from the global setup, API
// clients, a fresh namespace and a fresh database per test file, and polling
// with deadlines.
import { randomBytes } from 'node:crypto';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { binaries } from '../../testenv/paths.ts';
import { run } from '../../testenv/run.ts';
import type { TestEnv } from '../../testenv/index.ts';

export function testEnv(): TestEnv | null {
  return inject('testEnv');
}

/** `describe` that runs only with a cluster; skipped (and announced by the global setup) otherwise. */
export const describeCluster = ((name: string, fn: () => void) => describe.skipIf(testEnv() === null)(name, fn)) as (name: string, fn: () => void) => void;

export function requireEnv(): TestEnv {
  const env = testEnv();
  if (!env) throw new Error('no test environment (BERTH_SKIP_CLUSTER=1?)');
  return env;
}

export interface Kube {
  config: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  rbac: RbacAuthorizationV1Api;
  objects: KubernetesObjectApi;
}

export function kube(config?: KubeConfig): Kube {
  const kc = config ?? new KubeConfig();
  if (!config) kc.loadFromFile(requireEnv().kubeconfigPath);
  return {
    config: kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

/** Runs the environment's kubectl (same version as the API server) against it. */
export async function kubectl(args: string[]): Promise<string> {
  const { stdout } = await run([binaries.kubectl, '--kubeconfig', requireEnv().kubeconfigPath, ...args], {
    timeoutMs: 60_000,
  });
  return stdout;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * A namespace of its own for the calling test file: created before its tests
 * (with its default ServiceAccount ready, so pods can be created), deleted after.
 */
export function useNamespace(prefix = 't'): { readonly name: string } {
  const name = uniqueName(prefix);
  beforeAll(async () => {
    const { core } = kube();
    await core.createNamespace({ body: { metadata: { name, labels: { 'berth.dev/test': 'true' } } } });
    await waitFor(`ServiceAccount default in ${name}`, () =>
      core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(
        () => true,
        () => false,
      ),
    );
  });
  afterAll(async () => {
    if (testEnv() === null) return;
    // Not waiting for the namespace to finish terminating: nothing reuses the name.
    await kube()
      .core.deleteNamespace({ name, propagationPolicy: 'Background' })
      .catch(() => undefined);
  });
  return { name };
}

/** A database of its own for the calling test file, owned by the test superuser; dropped after. */
export function useDatabase(prefix = 't'): { readonly name: string; readonly url: string } {
  const name = uniqueName(prefix).replace(/-/g, '_');
  let url = '';
  beforeAll(async () => {
    const env = requireEnv();
    await withClient(env.pgUrl, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
    const parsed = new URL(env.pgUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
  });
  afterAll(async () => {
    const env = testEnv();
    if (!env) return;
    await withClient(env.pgUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
  });
  return {
    name,
    get url() {
      return url;
    },
  };
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Polls `check` until it returns a truthy value, every `intervalMs`, and fails
 * with `what` and the last value seen once `timeoutMs` has passed.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, { timeoutMs = 60_000, intervalMs = 250 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (last: ${detail})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
