/**
 * Database and role names. One database and one login role per app and environment, both named
 * `<app>_<env>`: lower case, every character outside [a-z0-9_] becomes `_`, at most 63 bytes
 * (Postgres' identifier limit; longer names would be silently truncated and could collide).
 * Examples: app `api`, env `production` → `api_production`; `shop-web` + `qa-2` → `shop_web_qa_2`.
 * The names are still quoted everywhere (escapeIdentifier): quoting is the rule, not the exception.
 */
import { UsageError } from '../errors.ts';

export interface DatabaseIdentity {
  app: string;
  environment: string;
  /** Database name and login role name (the same). */
  database: string;
  role: string;
}

const MAX_IDENTIFIER = 63;

export function databaseIdentity(app: string, environment: string): DatabaseIdentity {
  const name = `${safePart(app)}_${safePart(environment)}`;
  if (Buffer.byteLength(name) > MAX_IDENTIFIER) {
    throw new UsageError(`Database name "${name}" for ${app} in ${environment} is longer than ${MAX_IDENTIFIER} bytes`, {
      hint: 'Postgres truncates longer names, so two apps could end up sharing one; use a shorter app or environment name.',
    });
  }
  return { app, environment, database: name, role: name };
}

function safePart(value: string): string {
  const cleaned = value.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  // An identifier that starts with a digit is legal when quoted but confuses people typing psql.
  return /^[0-9]/.test(cleaned) ? `a${cleaned}` : cleaned;
}

/** The comment berth writes on each database it creates, so `db list` finds only its own. */
export function databaseComment(identity: DatabaseIdentity): string {
  return `berth app=${identity.app} environment=${identity.environment}`;
}

export function parseDatabaseComment(comment: string | null): { app: string; environment: string } | undefined {
  const match = /^berth app=(\S+) environment=(\S+)$/.exec(comment ?? '');
  return match ? { app: match[1]!, environment: match[2]! } : undefined;
}
