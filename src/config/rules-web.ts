/**
 * `platform.web` against the rest of the config: the admin page's namespace holds its login
 * tokens and a ServiceAccount that may act in every environment, so it must be a namespace of its
 * own; its address carries login tokens and session cookies, so it is served over TLS only.
 */
import { DEFAULTS, KUBERNETES_NAMESPACES } from './defaults.ts';
import type { RuleResult } from './rules.ts';
import type { ParsedConfig } from './schema.ts';

export function checkWeb(config: ParsedConfig, result: RuleResult): void {
  const web = config.platform?.web;
  if (!web || web.enabled === false) return;
  const namespace = web.namespace ?? DEFAULTS.platform.web.namespace;
  const kubernetes: readonly string[] = [...KUBERNETES_NAMESPACES.shared, ...KUBERNETES_NAMESPACES.refused];
  if (kubernetes.includes(namespace)) {
    result.errors.push({
      path: 'platform.web.namespace',
      message: `"${namespace}" is Kubernetes' own namespace; the admin page needs one of its own (default "${DEFAULTS.platform.web.namespace}")`,
    });
  }
  for (const [name, environment] of Object.entries(config.environments)) {
    if (environment.namespace !== namespace) continue;
    // CI deploy credentials may read every Secret of their namespace: the page's login tokens would be theirs too.
    result.errors.push({
      path: 'platform.web.namespace',
      message: `"${namespace}" is environment ${name}'s namespace, whose deployers may read its Secrets (the page's login tokens); choose another, e.g. "${DEFAULTS.platform.web.namespace}"`,
    });
  }
  if (config.database?.mode === 'cnpg' && (config.database.namespace ?? DEFAULTS.database.cnpg.namespace) === namespace) {
    result.errors.push({ path: 'platform.web.namespace', message: `"${namespace}" is the database server's namespace; choose another` });
  }
  const cluster = config.cluster ?? {};
  if (cluster.berthImage === undefined) {
    result.warnings.push({
      path: 'platform.web',
      message: `the admin page runs berth's image (${DEFAULTS.cluster.berthImage}), which is not published: build it from the repository's Dockerfile and set cluster.berthImage`,
    });
  }
  if (web.host === undefined) return;
  if (!cluster.certResolver && cluster.certIssuer === false) {
    result.errors.push({
      path: 'platform.web.host',
      message:
        'would serve login tokens and session cookies over plain HTTP: cluster.certIssuer is false; set cluster.certIssuer or cluster.certResolver, or remove host and reach the page with `kubectl port-forward`',
    });
  }
  for (const [app, settings] of Object.entries(config.apps)) {
    const domains = [...(settings.domains ?? []), ...Object.values(settings.processes ?? {}).flatMap((p) => p.domains ?? [])];
    const overrides = Object.values(config.environments).flatMap((e) => [
      ...(e.apps?.[app]?.domains ?? []),
      ...Object.values(e.apps?.[app]?.processes ?? {}).flatMap((p) => p.domains ?? []),
    ]);
    if ([...domains, ...overrides].includes(web.host)) {
      result.errors.push({ path: 'platform.web.host', message: `"${web.host}" is also a domain of app ${app}; give the admin page a host of its own` });
    }
  }
}
