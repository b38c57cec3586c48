/** Rules across environments: namespaces, overrides that resolve, and routes nobody else serves. */
import { DEFAULTS, WEB_PROCESS } from './defaults.ts';
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
    const database = resolveDatabase(config.database);
    if (database?.mode === 'cnpg' && environment.namespace === database.namespace) {
      result.errors.push({ path: join(at, 'namespace'), message: `"${environment.namespace}" is the database's namespace; apps need their own` });
    }
    for (const [appName, override] of Object.entries(environment.apps ?? {})) {
      const opath = join(join(at, 'apps'), appName);
      const app = config.apps[appName];
      if (!app) {
        result.errors.push({ path: opath, message: `no app "${appName}"; known apps: ${Object.keys(config.apps).join(', ') || 'none'}` });
        continue;
      }
      const known = [...(app.port !== undefined ? [WEB_PROCESS] : []), ...Object.keys(app.processes ?? {})];
      for (const pname of Object.keys(override.processes ?? {})) {
        if (!known.includes(pname)) {
          result.errors.push({ path: join(join(opath, 'processes'), pname), message: `app ${appName} has no process "${pname}"; known: ${known.join(', ')}` });
        }
      }
      if (override.backups && !app.database) {
        result.errors.push({ path: join(opath, 'backups'), message: `app ${appName} has no database to back up` });
      }
      checkHpa(override.hpa, join(opath, 'hpa'), result);
    }
  }
}

/** Two apps answering the same host and path would silently steal each other's traffic. */
export function checkRoutes(config: ParsedConfig, result: RuleResult): void {
  const seen = new Map<string, string>();
  for (const [envName, environment] of Object.entries(config.environments)) {
    for (const [appName, app] of Object.entries(config.apps)) {
      const override = environment.apps?.[appName] ?? {};
      if (override.enabled === false) continue;
      const routes: Array<{ path: string; hosts: Array<{ host: string; index: number }>; where: string; process: string }> = [];
      const listed = (domains: string[]) => domains.map((host, index) => ({ host, index }));
      const webDomains = override.processes?.[WEB_PROCESS]?.domains ?? override.domains;
      const redirectsWww = override.wwwRedirect ?? app.wwwRedirect ?? false;
      // The redirect answers www.<domain> for every path, so that host is taken too.
      const withWww = (domains: string[]) =>
        listed(domains).flatMap((h) => (redirectsWww && !h.host.startsWith('*.') ? [h, { ...h, host: `www.${h.host}` }] : [h]));
      routes.push({
        hosts: withWww(webDomains ?? app.domains ?? []),
        path: app.path ?? DEFAULTS.app.path,
        process: WEB_PROCESS,
        where: webDomains ? join(join(join('environments', envName), 'apps'), appName) + '.domains' : join(join('apps', appName), 'domains'),
      });
      for (const [pname, process] of Object.entries(app.processes ?? {})) {
        if (pname === WEB_PROCESS) continue;
        const domains = override.processes?.[pname]?.domains ?? process.domains ?? [];
        routes.push({
          hosts: listed(domains),
          path: process.path ?? DEFAULTS.app.path,
          process: pname,
          where: join(join(join('apps', appName), 'processes'), pname) + '.domains',
        });
      }
      for (const route of routes) {
        for (const { host, index: i } of route.hosts) {
          const key = `${host}${normalisePath(route.path)}`;
          const owner = route.process === WEB_PROCESS ? `app ${appName} in ${envName}` : `app ${appName} (process ${route.process}) in ${envName}`;
          const previous = seen.get(key);
          if (previous) {
            result.errors.push({
              path: `${route.where}[${i}]`,
              message: `${host}${route.path} is already served by ${previous}; give one of them another domain or path`,
            });
          } else {
            seen.set(key, owner);
          }
        }
      }
    }
  }
}

function normalisePath(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}
