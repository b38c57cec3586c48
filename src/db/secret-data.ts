/**
 * The app's database Secret (`<app>-db`): DATABASE_URL for frameworks, the PG* variables for
 * libpq tools (psql, pg_dump) so they need no flags.
 */
import type { DatabaseIdentity } from '../model/database-names.ts';
import type { DatabaseServer } from './server.ts';

export function secretData(identity: DatabaseIdentity, server: DatabaseServer, password: string): Record<string, string> {
  const url = (host: string) => {
    const query = server.sslMode ? `?sslmode=${server.sslMode}` : '';
    return `postgres://${encodeURIComponent(identity.role)}:${encodeURIComponent(password)}@${host}:${server.port}/${encodeURIComponent(identity.database)}${query}`;
  };
  const data: Record<string, string> = {
    DATABASE_URL: url(server.host),
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: identity.role,
    PGPASSWORD: password,
    PGDATABASE: identity.database,
  };
  if (server.sslMode) data.PGSSLMODE = server.sslMode;
  if (server.directHost) data.DATABASE_DIRECT_URL = url(server.directHost);
  return data;
}

/** The password in an existing Secret, if it belongs to this role. */
export function storedPassword(data: Record<string, string> | undefined, identity: DatabaseIdentity): string | undefined {
  if (!data || data.PGUSER !== identity.role) return undefined;
  return data.PGPASSWORD || undefined;
}

export function sameData(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k]);
}
