/**
 * The shared database server as the db commands see it: where the admin credential is, and the
 * host and port the apps' pods use (which is not where the CLI connects). Every default is
 * applied once, by resolveDatabase (config/resolve.ts); this only refuses a config without one.
 */
import { resolveDatabase } from '../config/resolve.ts';
import type { ResolvedDatabase } from '../config/resolved.ts';
import type { DatabaseConfig } from '../config/schema.ts';
import { UsageError } from '../errors.ts';

export type DatabaseServer = ResolvedDatabase;

export function databaseServer(database: DatabaseConfig | undefined): DatabaseServer {
  if (!database) {
    throw new UsageError('No database is configured', {
      hint: 'Add `database: { mode: "external", host: "10.0.1.5", admin: { env: "BERTH_DATABASE_ADMIN_URL" } }` (or mode "cnpg") to the config.',
    });
  }
  return resolveDatabase(database)!;
}
