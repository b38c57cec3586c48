/**
 * Rules about what each environment resolves to: names, replicas, access modes, strategies and
 * routes are read from resolveEnvironment, never recomputed here. Paths point at the field to
 * change, in the app or in the environment's override.
 */
import { WEB_PROCESS } from './defaults.ts';
import { join } from './field-path.ts';
import { knownImage } from './known-images.ts';
import { checkSecurity } from './rules-security.ts';
import { resolveEnvironment } from './resolve.ts';
import type { ResolvedApp, ResolvedEnvironment, ResolvedProcess } from './resolved.ts';
import type { RuleResult } from './rules.ts';
import type { ParsedConfig } from './schema.ts';

/** Kubernetes appends 11 characters to a CronJob's name for its Jobs, and Job names are labels. */
const MAX_CRONJOB_NAME = 52;

export function checkResolved(config: ParsedConfig, result: RuleResult): void {
  const environments: ResolvedEnvironment[] = [];
  for (const name of Object.keys(config.environments)) {
    try {
      environments.push(resolveEnvironment(config, name));
    } catch {
      // Names that cannot be resolved (an app name no database can be named after) are
      // reported by the app rules; the checks here need a resolvable environment.
    }
  }
  for (const env of environments) {
    for (const app of env.apps) {
      checkNames(app, result);
      checkVolumes(env, app, result);
      checkStrategies(config, app, result);
      checkSecurity(config, app, result);
    }
  }
  checkRoutes(config, environments, result);
  checkDatabaseNames(config, environments, result);
}

/** One database and one role per app and environment: berth's ownership marker names exactly one. */
function checkDatabaseNames(config: ParsedConfig, environments: ResolvedEnvironment[], result: RuleResult): void {
  const seen = new Map<string, string>();
  for (const env of environments) {
    for (const app of env.apps) {
      if (!app.database) continue;
      const owner = `app ${app.name} in ${env.name}`;
      for (const [kind, name] of [
        ['database', app.database.database],
        ['role', app.database.role],
      ] as const) {
        const previous = seen.get(`${kind}\n${name}`);
        if (previous && previous !== owner) {
          const override = config.environments[env.name]?.apps?.[app.name]?.database;
          result.errors.push({
            path: override ? join(join(join(join('environments', env.name), 'apps'), app.name), 'database') : join(appPath(app.name), 'database'),
            message: `${kind} ${name} is already ${previous}'s; each app and environment needs its own (name it per environment under environments.${env.name}.apps.${app.name}.database)`,
          });
        }
        seen.set(`${kind}\n${name}`, owner);
      }
    }
  }
}

const appPath = (app: string) => join('apps', app);
const processPath = (app: string, process: string) => join(join(appPath(app), 'processes'), process);

function checkNames(app: ResolvedApp, result: RuleResult): void {
  for (const process of app.processes) {
    if (process.objectName.length > 63) {
      result.errors.push({
        path: process.name === WEB_PROCESS ? appPath(app.name) : processPath(app.name, process.name),
        message: `"${process.objectName}" would exceed Kubernetes' 63-character name limit; shorten the app or process name`,
      });
    }
  }
  for (const task of app.cron) {
    if (task.objectName.length > MAX_CRONJOB_NAME) {
      result.errors.push({
        path: join(join(appPath(app.name), 'cron'), task.name),
        message: `CronJob name "${task.objectName}" exceeds ${MAX_CRONJOB_NAME} characters; shorten the task name`,
      });
    }
  }
}

/** The most pods of a process that can exist at once (an autoscaler's maximum counts). */
function mostPods(process: ResolvedProcess): number {
  return process.hpa?.max ?? process.replicas;
}

/** ReadWriteOnce: one node; ReadWriteOncePod: one pod. Replicas beyond that wait forever or crowd one node. */
function checkVolumes(env: ResolvedEnvironment, app: ResolvedApp, result: RuleResult): void {
  for (const process of app.processes) {
    const mounted = new Map<string, string>();
    for (const volume of app.volumes.filter((v) => process.volumes.includes(v.name))) {
      const at = volume.mountPath.replace(/\/+$/, '');
      const other = mounted.get(at);
      if (other) {
        result.errors.push({
          path: join(join(join(appPath(app.name), 'volumes'), volume.name), 'mountPath'),
          message: `${volume.mountPath} is already where volume ${other} is mounted in process ${process.name}`,
        });
      } else mounted.set(at, volume.name);
    }
  }
  for (const volume of app.volumes) {
    if (!volume.accessMode.startsWith('ReadWriteOnce')) continue;
    for (const process of app.processes.filter((p) => p.volumes.includes(volume.name))) {
      const pods = mostPods(process);
      if (pods <= 1) continue;
      const count = `${process.hpa ? 'up to ' : ''}${pods} replicas of "${process.name}" in ${env.name}`;
      const path = join(join(appPath(app.name), 'volumes'), volume.name);
      if (volume.accessMode === 'ReadWriteOncePod') {
        result.errors.push({ path, message: `a ReadWriteOncePod volume admits one pod, but ${count} mount it: all but one would never start; use 1 replica` });
      } else {
        result.warnings.push({
          path,
          message: `${volume.accessMode} volume mounted by ${count}: they must share one node; use ReadWriteMany or 1 replica`,
        });
      }
    }
  }
}

function checkStrategies(config: ParsedConfig, app: ResolvedApp, result: RuleResult): void {
  const base = config.apps[app.name]!;
  for (const process of app.processes) {
    const explicit = base.processes?.[process.name]?.strategy ?? base.strategy;
    const path = base.processes?.[process.name]?.strategy ? join(processPath(app.name, process.name), 'strategy') : join(appPath(app.name), 'strategy');
    if (process.singleton && explicit === 'RollingUpdate') {
      result.errors.push({
        path,
        message: `"${process.name}" is a singleton, which must never run twice, but a rolling update starts the new pod before the old one stops; use 'Recreate' or remove singleton`,
      });
    }
    const known = knownImage(process.image);
    const written = app.volumes.filter((v) => process.volumes.includes(v.name) && !v.readOnly);
    if (explicit === undefined && process.strategy === 'RollingUpdate' && known?.stateful && written.length) {
      result.warnings.push({
        path,
        message: `the ${known.name} image keeps one writer per data directory, but a rolling update runs the new pod beside the old one: two at once on volume ${written[0]!.name}; set strategy: 'Recreate' (or 'RollingUpdate' if they can share it)`,
      });
    }
  }
}

/** Two apps answering the same host and path would silently steal each other's traffic. */
function checkRoutes(config: ParsedConfig, environments: ResolvedEnvironment[], result: RuleResult): void {
  const seen = new Map<string, { app: string; process: string; environment: string }>();
  // In the order the config lists apps, so the one added later is the one reported.
  const order = Object.keys(config.apps);
  for (const env of environments) {
    for (const app of [...env.apps].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))) {
      for (const process of app.processes.filter((p) => p.port !== undefined)) {
        const where = domainsPath(config, env.name, app.name, process.name);
        for (const [index, domain] of process.domains.entries()) {
          // The www host the redirect adds answers every path, so it is taken too.
          const hosts = process.hosts.includes(`www.${domain}`) ? [domain, `www.${domain}`] : [domain];
          for (const host of hosts) {
            const key = `${host}${normalisePath(process.path)}`;
            const previous = seen.get(key);
            if (!previous) {
              seen.set(key, { app: app.name, process: process.name, environment: env.name });
              continue;
            }
            // A www host listed beside wwwRedirect is reported once by the app rules.
            if (previous.app === app.name && previous.process === process.name && previous.environment === env.name) continue;
            result.errors.push({ path: `${where}[${index}]`, message: clash(host, process.path, previous, app.name, process.name, env.name) });
          }
        }
      }
    }
  }
}

function clash(host: string, path: string, previous: { app: string; process: string; environment: string }, app: string, process: string, env: string): string {
  const route = `${host}${path}`;
  if (previous.app === app && previous.process === process) {
    const override = join(join(join('environments', env), 'apps'), app) + (process === WEB_PROCESS ? '.domains' : `.processes.${process}.domains`);
    return `${route} is served by app ${app} in ${previous.environment} and again in ${env}; give ${env} its own domain at ${override}`;
  }
  const owner = previous.process === WEB_PROCESS ? `app ${previous.app}` : `app ${previous.app} (process ${previous.process})`;
  return `${route} is already served by ${owner} in ${previous.environment}; give one of them another domain or path`;
}

/** Where a process's domains were written for this environment. */
function domainsPath(config: ParsedConfig, env: string, app: string, process: string): string {
  const override = config.environments[env]?.apps?.[app];
  const overridePath = join(join(join('environments', env), 'apps'), app);
  if (override?.processes?.[process]?.domains) return `${overridePath}.processes.${process}.domains`;
  if (process === WEB_PROCESS && override?.domains) return `${overridePath}.domains`;
  if (config.apps[app]?.processes?.[process]?.domains) return `${processPath(app, process)}.domains`;
  return `${appPath(app)}.domains`;
}

function normalisePath(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}
