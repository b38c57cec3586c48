/**
 * Checks that span fields, run after the schema accepted the shape: references resolve, routes
 * do not collide, derived Kubernetes names fit, and no placeholder slipped through.
 */
import type { ConfigIssue } from '../errors.ts';
import { DEFAULTS } from './defaults.ts';
import { join } from './field-path.ts';
import { placeholderProblem } from './placeholders.ts';
import { checkApp } from './rules-app.ts';
import { checkResolved } from './rules-resolved.ts';
import { checkEnvironments } from './rules-routes.ts';
import { resolveDatabase } from './resolve.ts';
import { checkBackups } from './rules-backups.ts';
import { checkPlatform } from './rules-platform.ts';
import { checkWeb } from './rules-web.ts';
import type { ParsedConfig } from './schema.ts';

export interface RuleResult {
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  /** See RuleOptions.skipped. */
  skipped?: ReadonlySet<string>;
}

export interface RuleOptions {
  /**
   * Parts of the config the schema refused and validation left out (`apps.web`, `database`):
   * rules that would only complain about their absence stay quiet.
   */
  skipped?: ReadonlySet<string>;
}

export function checkRules(config: ParsedConfig, options: RuleOptions = {}): RuleResult {
  const result: RuleResult = { errors: [], warnings: [], skipped: options.skipped ?? new Set() };
  checkPlaceholders(config, '', result);
  checkCluster(config, result);
  for (const [name, app] of Object.entries(config.apps)) checkApp(config, name, app, result);
  checkEnvironments(config, result);
  checkResolved(config, result);
  checkNotYetBuilt(config, result);
  checkBackups(config, result);
  checkPlatform(config, result);
  checkWeb(config, result);
  if (Object.keys(config.environments).length === 0 && ![...result.skipped!].some((s) => s.startsWith('environments.'))) {
    result.errors.push({ path: 'environments', message: 'define at least one environment, e.g. { production: { namespace: "myapp" } }' });
  }
  return result;
}

function checkCluster(config: ParsedConfig, result: RuleResult): void {
  const ingressClass = config.cluster?.ingressClass ?? DEFAULTS.cluster.ingressClass;
  for (const [path, tls] of [
    ['cluster', config.cluster],
    ...Object.entries(config.environments).map(([name, env]) => [join('environments', name), env] as const),
  ] as const) {
    if (!tls?.certResolver) continue;
    if (ingressClass !== 'traefik') {
      result.errors.push({
        path: join(path, 'certResolver'),
        message: 'a certificate resolver is a Traefik feature; with ingress-nginx use certIssuer (cert-manager)',
      });
    } else if (tls.certIssuer !== undefined && (path !== 'cluster' || tls.certIssuer !== false)) {
      result.errors.push({
        path: join(path, 'certResolver'),
        message: 'certificates come from either certIssuer (cert-manager) or certResolver (Traefik), not both; remove one',
      });
    }
  }
  const database = resolveDatabase(config.database);
  if (database?.mode === 'cnpg' && database.pooler) {
    const needed = database.pooler.instances + DEFAULTS.database.cnpg.directConnections;
    if (database.connectionLimit < needed) {
      result.warnings.push({
        path: 'database.connectionLimit',
        message: `${database.pooler.instances} pooler instances each keep a pool per app role: the limit should be at least ${needed} (one pooled connection per instance, plus ${DEFAULTS.database.cnpg.directConnections} for migrations), or logins fail under load`,
      });
    }
  }
  const cluster = config.cluster ?? {};
  if (cluster.ingressHostNetwork && cluster.networkPolicy !== false && !cluster.networkPolicy?.ingressFrom?.length) {
    result.errors.push({
      path: 'cluster.networkPolicy.ingressFrom',
      message:
        'with ingressHostNetwork the ingress controller reaches apps from the node addresses, which no NetworkPolicy would admit: list them, e.g. ["10.0.1.0/24"] (or set networkPolicy: false)',
    });
  }
}

function checkPlaceholders(value: unknown, path: string, result: RuleResult): void {
  if (typeof value === 'string') {
    const problem = placeholderProblem(value);
    if (problem) result.errors.push({ path, message: `${problem}; put the real value here` });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkPlaceholders(item, `${path}[${i}]`, result);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) checkPlaceholders(item, join(path, key), result);
  }
}

/**
 * Settings berth accepts today but whose in-cluster runner is not built yet. They are validated
 * so configs are ready, and said plainly instead of rendering jobs that would fail every night.
 */
function checkNotYetBuilt(config: ParsedConfig, result: RuleResult): void {
  for (const [name, app] of Object.entries(config.apps)) {
    if (app.migrate && !app.migrate.command && config.cluster?.berthImage === undefined) {
      result.warnings.push({
        path: join(join('apps', name), 'migrate'),
        message: `berth's migration runner runs from the berth image (${DEFAULTS.cluster.berthImage}), which is not published: build it from the repository's Dockerfile and set cluster.berthImage, or give migrate.command`,
      });
    }
  }
}
