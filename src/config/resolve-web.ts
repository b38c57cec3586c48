/** `platform.web` with every default applied (DEFAULTS.platform.web). Pure. */
import { byCodePoint } from '../compare.ts';
import { DEFAULTS } from './defaults.ts';
import { clusterTls, resolveCluster, resolveDatabase } from './resolve.ts';
import type { ResolvedWeb } from './resolved.ts';
import type { ParsedConfig } from './schema.ts';

/** Undefined when the config has no admin page in the cluster (or it is disabled). */
export function resolveWeb(config: ParsedConfig): ResolvedWeb | undefined {
  const web = config.platform?.web;
  if (!web || web.enabled === false) return undefined;
  const d = DEFAULTS.platform.web;
  const admin = resolveDatabase(config.database)?.admin;
  return {
    namespace: web.namespace ?? d.namespace,
    host: web.host,
    replicas: web.replicas ?? d.replicas,
    resources: {
      requests: { ...d.resources.requests, ...web.resources?.requests },
      limits: { ...d.resources.limits, ...web.resources?.limits },
    },
    port: d.port,
    cluster: resolveCluster(config),
    tls: clusterTls(config),
    // Validation gives each environment a namespace of its own.
    environments: Object.entries(config.environments)
      .map(([name, e]) => ({ name, namespace: e.namespace }))
      .sort((a, b) => byCodePoint(a.namespace, b.namespace)),
    // A file on the operator's machine cannot reach the pod; a Secret or a variable can.
    databaseAdmin: admin && !('file' in admin) ? admin : undefined,
  };
}
