/**
 * The shared database server as berth sees it, from the config: where the admin credential is,
 * and the host and port the apps' pods use (which is not where the CLI connects).
 *
 * external: apps use `host`/`port` from the config (e.g. the node's private IP, seed 002).
 * cnpg: apps use the PgBouncer Pooler's service, or the `-rw` service without a pooler. With a
 * pooler the Secret also holds DATABASE_DIRECT_URL (the `-rw` service): session-level advisory
 * locks, which the migrate runner relies on, do not survive transaction pooling.
 * The cnpg admin credential defaults to the `uri` key of CloudNativePG's superuser Secret
 * (enableSuperuserAccess is rendered on), whose host is a cluster DNS name: outside the cluster,
 * point `database.admin` at a URL this machine can reach (a port-forward or the node's address).
 */
import { DEFAULTS } from '../config/defaults.ts';
import type { CredentialRef, DatabaseConfig } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import { cnpgPoolerName } from '../model/names.ts';

export interface DatabaseServer {
  mode: 'external' | 'cnpg';
  admin: CredentialRef;
  /** What the app's pods connect to. */
  host: string;
  port: number;
  /** For migrations when `host` is a transaction pooler. */
  directHost: string | undefined;
  /** Written into the app's URL unless it is libpq's default (prefer). */
  sslMode: string | undefined;
  connectionLimit: number;
}

export function databaseServer(database: DatabaseConfig | undefined): DatabaseServer {
  if (!database) {
    throw new UsageError('No database is configured', {
      hint: 'Add `database: { mode: "external", host: "10.0.1.5", admin: { env: "BERTH_DATABASE_ADMIN_URL" } }` (or mode "cnpg") to the config.',
    });
  }
  if (database.mode === 'external') {
    const sslMode = database.sslMode ?? DEFAULTS.database.external.sslMode;
    return {
      mode: 'external',
      admin: database.admin,
      host: database.host,
      port: database.port ?? DEFAULTS.database.external.port,
      directHost: undefined,
      sslMode: sslMode === 'prefer' ? undefined : sslMode,
      connectionLimit: database.connectionLimit ?? DEFAULTS.database.external.connectionLimit,
    };
  }
  const defaults = DEFAULTS.database.cnpg;
  const name = database.name ?? defaults.name;
  const namespace = database.namespace ?? defaults.namespace;
  const rw = `${cnpgServiceName(name, 'rw')}.${namespace}.svc`;
  const pooled = database.pooler !== false;
  return {
    mode: 'cnpg',
    admin: database.admin ?? { secret: { namespace, name: `${name}-superuser`, key: 'uri' } },
    host: pooled ? `${cnpgPoolerName(name)}.${namespace}.svc` : rw,
    port: 5432,
    directHost: pooled ? rw : undefined,
    sslMode: undefined,
    connectionLimit: database.connectionLimit ?? defaults.connectionLimit,
  };
}

/** CloudNativePG's services are `<cluster>-rw`, `-ro`, `-r`. */
export const cnpgServiceName = (cluster: string, kind: 'rw' | 'ro' | 'r') => `${cluster}-${kind}`;
/** The Pooler's Service carries the Pooler's name. */
