/** Rules about one app: its processes, volumes, resources, secrets and what it depends on. */
import { DNS_LABEL } from './fields.ts';
import { join } from './field-path.ts';
import { quantityValue } from './quantity.ts';
import type { RuleResult } from './rules.ts';
import type { AppConfig, ParsedConfig, ResourcesConfig } from './schema.ts';
import { WEB_PROCESS } from './defaults.ts';
import { databaseNameProblem } from '../model/database-names.ts';

/** Longest app name: leaves room for `-<process>` and CronJob's 52-character limit. */
const MAX_APP_NAME = 40;

export function checkApp(config: ParsedConfig, name: string, app: AppConfig, result: RuleResult): void {
  const at = join('apps', name);
  const error = (path: string, message: string) => result.errors.push({ path, message });
  const warn = (path: string, message: string) => result.warnings.push({ path, message });

  if (!DNS_LABEL.test(name) || name.length > MAX_APP_NAME) {
    error(at, `app name "${name}" must be at most ${MAX_APP_NAME} lowercase letters, digits and "-" (it becomes part of Kubernetes object names)`);
  }
  const processes = Object.keys(app.processes ?? {});
  // The web container is named after the app; the migrate init containers share its pod.
  if (app.migrate && ['migrate', 'copy-migrations'].includes(name)) {
    error(at, `an app named "${name}" with migrate would have two containers of that name in one pod; rename the app`);
  }
  const hasWeb = app.port !== undefined || processes.includes(WEB_PROCESS);
  if (!hasWeb && processes.length === 0) {
    error(at, 'has nothing to run: set `port` for a web process or declare `processes`');
  }
  if (app.domains?.length && app.port === undefined && app.processes?.[WEB_PROCESS]?.port === undefined) {
    error(join(at, 'domains'), 'domains need a port to route to: set `port`');
  }
  if (app.wwwRedirect && !app.domains?.length) error(join(at, 'wwwRedirect'), 'needs `domains` to redirect www.<domain> to');
  if (app.stripPrefix && (app.path ?? '/') === '/') error(join(at, 'stripPrefix'), 'needs a `path` other than "/" to strip, e.g. path: "/play/lextris/"');
  for (const [i, d] of (app.domains ?? []).entries()) {
    if (app.wwwRedirect && d.startsWith('www.')) {
      error(`${join(at, 'domains')}[${i}]`, `list the apex "${d.slice(4)}"; wwwRedirect adds the www. host itself`);
    }
  }
  checkHpa(app.hpa, join(at, 'hpa'), result);
  checkResources(app.resources, join(at, 'resources'), result);
  for (const [task, cron] of Object.entries(app.cron ?? {})) checkResources(cron.resources, join(join(join(at, 'cron'), task), 'resources'), result);
  const seenSecrets = new Set<string>();
  for (const [i, secret] of (app.secrets ?? []).entries()) {
    if (seenSecrets.has(secret)) error(`${join(at, 'secrets')}[${i}]`, `${secret} is listed twice`);
    seenSecrets.add(secret);
  }
  if (config.cluster?.certIssuer !== false) {
    for (const [i, d] of (app.domains ?? []).entries()) {
      if (d.startsWith('*.'))
        warn(`${join(at, 'domains')}[${i}]`, `a wildcard certificate needs a DNS-01 ClusterIssuer; HTTP-01 (the usual Let's Encrypt setup) cannot issue one`);
    }
  }

  for (const [pname, process] of Object.entries(app.processes ?? {})) {
    const ppath = join(join(at, 'processes'), pname);
    if (pname !== WEB_PROCESS && !process.command && !process.image) {
      error(
        join(ppath, 'command'),
        "is required for a process that runs the app's image (the image's default command runs web): give `command`, or `image` for a process built as an image of its own",
      );
    }
    if (process.singleton && process.replicas !== undefined && process.replicas !== 1) {
      error(join(ppath, 'replicas'), `a singleton runs exactly 1 replica; remove replicas (${process.replicas}) or singleton`);
    }
    // The web process's replicas are usually written on the app.
    if (process.singleton && pname === WEB_PROCESS && app.replicas !== undefined && app.replicas !== 1) {
      error(join(at, 'replicas'), `a singleton runs exactly 1 replica (processes.web.singleton); remove replicas (${app.replicas}) or singleton`);
    }
    if (process.singleton && process.hpa) error(join(ppath, 'hpa'), 'a singleton cannot autoscale; remove hpa or singleton');
    if (process.stripPrefix && (process.path ?? (pname === WEB_PROCESS ? app.path : undefined) ?? '/') === '/') {
      error(join(ppath, 'stripPrefix'), 'needs a `path` other than "/" to strip');
    }
    if (process.domains?.length && process.port === undefined && !(pname === WEB_PROCESS && app.port !== undefined)) {
      error(join(ppath, 'domains'), 'domains need a port to route to: set `port` on this process');
    }
    checkHpa(process.hpa, join(ppath, 'hpa'), result);
    checkResources(process.resources, join(ppath, 'resources'), result);
  }

  const processNames = [...(hasWeb ? [WEB_PROCESS] : []), ...processes.filter((p) => p !== WEB_PROCESS)];
  for (const [vname, volume] of Object.entries(app.volumes ?? {})) {
    const vpath = join(join(at, 'volumes'), vname);
    const sources = [volume.size !== undefined, volume.existingClaim !== undefined, volume.nfs !== undefined].filter(Boolean).length;
    if (sources === 0) error(vpath, 'say where the data lives: `size` (a new claim), `existingClaim`, or `nfs: { server, path }`');
    if (volume.existingClaim && (volume.size !== undefined || volume.nfs)) {
      error(vpath, '`existingClaim` cannot be combined with `size` or `nfs`: the claim already exists');
    }
    for (const [i, p] of (volume.processes ?? []).entries()) {
      if (!processNames.includes(p)) {
        error(`${join(vpath, 'processes')}[${i}]`, `no process "${p}" in app ${name}; known: ${processNames.join(', ') || 'none'}`);
      }
    }
  }

  const envNames = Object.keys(app.env ?? {});
  for (const [i, secret] of (app.secrets ?? []).entries()) {
    if (envNames.includes(secret)) {
      error(`${join(at, 'secrets')}[${i}]`, `${secret} is also set in env; a variable is either plain config or a secret`);
    }
  }
  if (app.database) {
    if (!config.database && !result.skipped?.has('database')) {
      error(join(at, 'database'), "needs a top-level `database` (the shared PostgreSQL) to create this app's database in");
    }
    const named = typeof app.database === 'object' && app.database.name && app.database.role;
    for (const env of named || !DNS_LABEL.test(name) ? [] : Object.keys(config.environments)) {
      const problem = databaseNameProblem(name, env);
      if (problem) error(join(at, 'database'), `${problem}; or name an existing database and role: database: { name, role }`);
    }
    for (const reserved of ['DATABASE_URL', 'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE']) {
      if (envNames.includes(reserved)) {
        error(join(join(at, 'env'), reserved), `berth sets ${reserved} for apps with database: true; remove it from env`);
      }
    }
  }
  if (app.migrate && !app.migrate.command && !app.database && !app.secrets?.includes('DATABASE_URL')) {
    error(join(at, 'migrate'), "berth's migration runner needs DATABASE_URL: set `database: true`, list DATABASE_URL in `secrets`, or give `migrate.command`");
  }
  if (app.backups) {
    if (!app.database) error(join(at, 'backups'), "backs up the app's database: set `database: true`");
    if (!config.backups && !result.skipped?.has('backups')) error(join(at, 'backups'), 'needs a top-level `backups.store` saying where backups go');
  }
}

/** The API server refuses a request above its limit; say so before anything is applied. */
function checkResources(resources: ResourcesConfig | undefined, path: string, result: RuleResult): void {
  for (const kind of ['cpu', 'memory'] as const) {
    const request = resources?.requests?.[kind];
    const limit = resources?.limits?.[kind];
    if (request === undefined || limit === undefined) continue;
    const r = quantityValue(request);
    const l = quantityValue(limit);
    if (r !== undefined && l !== undefined && r > l) {
      result.errors.push({
        path: join(join(path, 'requests'), kind),
        message: `request ${request} is above the limit ${limit}; raise the limit or lower the request`,
      });
    }
  }
}

export function checkHpa(hpa: { min: number; max: number } | undefined, path: string, result: RuleResult): void {
  if (hpa && hpa.min > hpa.max) result.errors.push({ path: join(path, 'min'), message: `min (${hpa.min}) is greater than max (${hpa.max})` });
}
