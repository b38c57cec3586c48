/** Rules across environments: namespaces, and overrides that name apps and processes that exist. */
import { KUBERNETES_NAMESPACES, WEB_PROCESS } from './defaults.ts';
import { resolveDatabase } from './resolve.ts';
import { join } from './field-path.ts';
import { checkHpa } from './rules-app.ts';
import type { RuleResult } from './rules.ts';
import type { ParsedConfig } from './schema.ts';

export function checkEnvironments(config: ParsedConfig, result: RuleResult): void {
  const namespaces = new Map<string, string>();
  for (const [envName, environment] of Object.entries(config.environments)) {
    const at = join('environments', envName);
    const other = namespaces.get(environment.namespace);
    if (other) {
      result.errors.push({
        path: join(at, 'namespace'),
        message: `namespace "${environment.namespace}" is already used by environment ${other}; each environment needs its own`,
      });
    }
    namespaces.set(environment.namespace, envName);
    if ((KUBERNETES_NAMESPACES.refused as readonly string[]).includes(environment.namespace)) {
      result.errors.push({
        path: join(at, 'namespace'),
        message: `"${environment.namespace}" is one of Kubernetes' own namespaces; give the environment its own`,
      });
    }
    const database = resolveDatabase(config.database);
    if (database?.mode === 'cnpg' && environment.namespace === database.namespace) {
      result.errors.push({ path: join(at, 'namespace'), message: `"${environment.namespace}" is the database's namespace; apps need their own` });
    }
    for (const [appName, override] of Object.entries(environment.apps ?? {})) {
      const opath = join(join(at, 'apps'), appName);
      const app = config.apps[appName];
      if (!app) {
        if (result.skipped?.has(join('apps', appName))) continue;
        result.errors.push({ path: opath, message: `no app "${appName}"; known apps: ${Object.keys(config.apps).join(', ') || 'none'}` });
        continue;
      }
      const known = [...(app.port !== undefined ? [WEB_PROCESS] : []), ...Object.keys(app.processes ?? {})];
      for (const pname of Object.keys(override.processes ?? {})) {
        if (!known.includes(pname)) {
          result.errors.push({ path: join(join(opath, 'processes'), pname), message: `app ${appName} has no process "${pname}"; known: ${known.join(', ')}` });
        }
      }
      for (const [pname, changed] of Object.entries(override.processes ?? {})) {
        if (app.processes?.[pname]?.singleton && changed.replicas !== undefined && changed.replicas !== 1) {
          result.errors.push({
            path: join(join(join(opath, 'processes'), pname), 'replicas'),
            message: `a singleton runs exactly 1 replica; remove replicas (${changed.replicas}) here or singleton from apps.${appName}.processes.${pname}`,
          });
        }
      }
      if (app.processes?.[WEB_PROCESS]?.singleton && override.replicas !== undefined && override.replicas !== 1) {
        result.errors.push({
          path: join(opath, 'replicas'),
          message: `a singleton runs exactly 1 replica; remove replicas (${override.replicas}) here or singleton from apps.${appName}.processes.web`,
        });
      }
      if (override.backups && !app.database) {
        result.errors.push({ path: join(opath, 'backups'), message: `app ${appName} has no database to back up` });
      }
      checkHpa(override.hpa, join(opath, 'hpa'), result);
    }
  }
}
