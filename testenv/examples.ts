// The examples in examples/ point at their operators' real database servers and expect Secrets
// that only the operators hold. To deploy them on the local cluster (the README demo, the tests),
// each is copied with its database pointed at the local PostgreSQL (admin URL from an env var)
// and the Secrets its apps declare are created with demo values, as an operator would before a
// first deploy.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { loadConfig } from '../src/config/load.ts';
import type { ParsedConfig } from '../src/config/schema.ts';
import type { TestEnv } from './state.ts';

export const examplesDir = join(import.meta.dirname, '..', 'examples');
/** The env var the local copies read the admin URL from. */
export const ADMIN_URL_VAR = 'BERTH_DEMO_ADMIN_URL';

/** Each example's build, in the form its environment's tagScheme asks for. */
export const EXAMPLE_TAGS: Record<string, Record<string, string>> = {
  docfast: { production: '1.4.2', staging: '3f9c2ab' },
  honeydue: { production: '3f9c2ab' },
  katforge: { production: '2.7.0', qa: '2.7.0' },
  kumiko: { production: '9e1d4c7' },
  school: { production: 'prod-20260301.17' },
};

export function exampleNames(): string[] {
  return readdirSync(examplesDir).sort();
}

export interface LocalExample {
  name: string;
  dir: string;
  configFile: string;
  config: ParsedConfig;
  /** Environment variables the berth CLI needs to deploy it here. */
  env: Record<string, string>;
}

export async function localExample(name: string, harness: TestEnv): Promise<LocalExample> {
  const { config } = await loadConfig({ cwd: join(examplesDir, name) });
  const local = { ...config, database: { mode: 'external' as const, host: '127.0.0.1', port: harness.postgres.port, admin: { env: ADMIN_URL_VAR } } };
  const dir = mkdtempSync(join(tmpdir(), `berth-example-${name}-`));
  const configFile = join(dir, 'berth.config.json');
  writeFileSync(configFile, JSON.stringify(local, null, 2));
  const kc = new KubeConfig();
  kc.loadFromFile(harness.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  for (const settings of Object.values(config.environments)) {
    for (const [app, spec] of Object.entries(config.apps)) {
      if (!spec.secrets?.length || settings.apps?.[app]?.enabled === false) continue;
      await core.createNamespace({ body: { metadata: { name: settings.namespace } } }).catch(() => undefined);
      const secret = {
        metadata: { name: `${app}-secrets`, namespace: settings.namespace },
        stringData: Object.fromEntries(spec.secrets.map((k) => [k, `demo-${k.toLowerCase()}`])),
      };
      await core
        .createNamespacedSecret({ namespace: settings.namespace, body: secret })
        .catch(() => core.replaceNamespacedSecret({ name: secret.metadata.name, namespace: settings.namespace, body: secret }));
    }
  }
  return { name, dir, configFile, config, env: { KUBECONFIG: harness.kubeconfigPath, [ADMIN_URL_VAR]: harness.pgUrl } };
}
