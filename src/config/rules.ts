/**
 * Checks that span fields, run after the schema accepted the shape: references resolve, routes
 * do not collide, derived Kubernetes names fit, and no placeholder slipped through.
 */
import type { ConfigIssue } from '../errors.ts';
import { DEFAULTS } from './defaults.ts';
import { join } from './field-path.ts';
import { placeholderProblem } from './placeholders.ts';
import { checkApp } from './rules-app.ts';
import { checkBackups } from './rules-backups.ts';
import { checkEnvironments, checkRoutes } from './rules-routes.ts';
import type { ParsedConfig } from './schema.ts';

export interface RuleResult {
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function checkRules(config: ParsedConfig): RuleResult {
  const result: RuleResult = { errors: [], warnings: [] };
  checkPlaceholders(config, '', result);
  for (const [name, app] of Object.entries(config.apps)) checkApp(config, name, app, result);
  checkEnvironments(config, result);
  checkRoutes(config, result);
  checkNotYetBuilt(config, result);
  checkBackups(config, result);
  if (Object.keys(config.environments).length === 0) {
    result.errors.push({ path: 'environments', message: 'define at least one environment, e.g. { production: { namespace: "myapp" } }' });
  }
  return result;
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
