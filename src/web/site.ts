/**
 * What every route of the admin page works on: the config (found as the CLI finds it), its
 * environments and apps, one cluster connection, and the openers the CLI's own commands use for
 * releases and backups. A name from the URL is only ever looked up here, never used unchecked.
 */
import { backupAccess } from '../backup/access.ts';
import type { Cluster } from '../cluster/connect.ts';
import { connectCluster } from '../cluster/connect.ts';
import type { LoadedConfig } from '../config/load.ts';
import { resolveEnvironment } from '../config/resolve.ts';
import type { ResolvedEnvironment } from '../config/resolved.ts';
import { appTarget } from '../db/app-target.ts';
import type { EnvironmentTarget } from '../deploy/operate.ts';

export class HttpError extends Error {
  readonly status: 400 | 403 | 404 | 413 | 429 | 502;
  readonly hint: string | undefined;

  constructor(status: HttpError['status'], message: string, hint?: string) {
    super(message);
    this.status = status;
    this.hint = hint;
  }
}

export interface SiteOptions {
  loaded: LoadedConfig;
  /** Environment variables: KUBECONFIG and the credentials the config names. */
  env: Record<string, string | undefined>;
  warn: (message: string) => void;
  /** `berth web --env E`: only these environments (default: every one in the config). */
  only?: string[];
  /** `--store-dir`: where a PVC or NFS backup store is mounted (in the cluster, the page's own claim). */
  storeDir?: string;
}

export class Site {
  readonly config: LoadedConfig['config'];
  readonly configFile: string;
  readonly env: Record<string, string | undefined>;
  readonly warn: (message: string) => void;
  private readonly resolvedCache = new Map<string, ResolvedEnvironment>();
  private connected: Cluster | undefined;
  private readonly only: string[] | undefined;
  private readonly storeDir: string | undefined;

  constructor(options: SiteOptions) {
    this.config = options.loaded.config;
    this.configFile = options.loaded.file;
    this.env = options.env;
    this.warn = options.warn;
    this.only = options.only;
    this.storeDir = options.storeDir;
  }

  environments(): string[] {
    return Object.keys(this.config.environments).filter((e) => !this.only || this.only.includes(e));
  }

  resolved(environment: string): ResolvedEnvironment {
    if (!Object.hasOwn(this.config.environments, environment) || !this.environments().includes(environment)) {
      throw new HttpError(404, `No environment "${environment}"`, `Environments: ${this.environments().join(', ')}.`);
    }
    let resolved = this.resolvedCache.get(environment);
    if (!resolved) {
      resolved = resolveEnvironment(this.config, environment);
      this.resolvedCache.set(environment, resolved);
    }
    return resolved;
  }

  app(environment: string, name: string): ResolvedEnvironment['apps'][number] {
    const resolved = this.resolved(environment);
    const app = resolved.apps.find((a) => a.name === name);
    if (!app) throw new HttpError(404, `No app "${name}" in ${environment}`, `Apps: ${resolved.apps.map((a) => a.name).join(', ') || 'none'}.`);
    return app;
  }

  cluster(): Cluster {
    this.connected ??= connectCluster({ context: this.config.cluster?.context, kubeconfig: this.env.KUBECONFIG });
    return this.connected;
  }

  /** What deploy/operate.ts and ops/ take: the same as the CLI passes. */
  target(environment: string): EnvironmentTarget {
    this.resolved(environment);
    return { config: this.config, environment, kubeconfig: this.env.KUBECONFIG };
  }

  /** The app's database and backups, opened as `berth backup …` opens them. */
  backups(environment: string, app: string) {
    const found = this.app(environment, app);
    if (!found.database) throw new HttpError(404, `${app} has no database, so no backups`, `Set database: true for apps.${app} in the config.`);
    if (!this.config.backups) throw new HttpError(404, 'No backup store is configured', 'Add `backups: { store: … }` to the config.');
    const target = appTarget({ config: this.config, configFile: this.configFile, env: this.env, warn: this.warn }, environment, app);
    return {
      ...target,
      app,
      environment,
      ...backupAccess(
        { config: this.config, configFile: this.configFile, env: this.env, warn: this.warn, storeDir: this.storeDir },
        { ...target, app, environment },
      ),
    };
  }
}
