/**
 * What every `db` command needs for one app in one environment, from the config: its database
 * and role names, its namespace, the server, and — opened only when needed — the cluster and the
 * admin URL.
 */
import { dirname } from 'node:path';
import { resolveEnvironment } from '../config/resolve.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import type { Cluster } from '../cluster/connect.ts';
import { parsePostgresUrl } from '../postgres/connect.ts';
import { describeCredential, readCredential } from './credentials.ts';
import { databaseIdentity, type DatabaseIdentity } from '../model/database-names.ts';
import { databaseServer, type DatabaseServer } from './server.ts';

export interface ServerTarget {
  server: DatabaseServer;
  cluster: () => Promise<Cluster>;
  adminUrl: () => Promise<string>;
}

export interface AppTarget extends ServerTarget {
  identity: DatabaseIdentity;
  namespace: string;
}

export interface TargetSources {
  config: ParsedConfig;
  /** The config file, for credential files given relative to it. */
  configFile: string;
  env: Record<string, string | undefined>;
  warn?: (message: string) => void;
}

export function serverTarget(sources: TargetSources): ServerTarget {
  const server = databaseServer(sources.config.database);
  let cluster: Promise<Cluster> | undefined;
  const openCluster = () =>
    (cluster ??= import('../cluster/connect.ts').then(({ connectCluster }) =>
      connectCluster({ context: sources.config.cluster?.context, kubeconfig: sources.env.KUBECONFIG }),
    ));
  let adminUrl: Promise<string> | undefined;
  return {
    server,
    cluster: openCluster,
    adminUrl: () =>
      (adminUrl ??= readCredential(server.admin, { cwd: dirname(sources.configFile), env: sources.env, cluster: openCluster, warn: sources.warn }).then(
        (url) => {
          // Checked here, where the message can say where the URL came from (never its value).
          parsePostgresUrl(url, `The admin URL in ${describeCredential(server.admin)}`);
          return url;
        },
      )),
  };
}

export interface AppTargetOptions {
  /** `db drop` also cleans up after an app removed from the config or no longer using a database. */
  requireDatabase?: boolean;
}

export function appTarget(sources: TargetSources, environment: string, app: string, options: AppTargetOptions = {}): AppTarget {
  const resolved = resolveEnvironment(sources.config, environment);
  const found = resolved.apps.find((a) => a.name === app);
  if (options.requireDatabase !== false) {
    if (!found) {
      throw new UsageError(`No app "${app}" in ${environment}`, { hint: `Apps in ${environment}: ${resolved.apps.map((a) => a.name).join(', ') || 'none'}.` });
    }
    if (!found.database) {
      throw new UsageError(`App "${app}" does not use a database (database: true is not set)`, {
        hint: `Add \`database: true\` to apps.${app} in the config, then run this again.`,
      });
    }
  }
  // Names from the config (an adopted database) when the app still has one; `drop` of an app
  // removed from the config falls back to the names berth gives.
  return { ...serverTarget(sources), identity: found?.database ?? databaseIdentity(app, environment), namespace: resolved.namespace };
}
