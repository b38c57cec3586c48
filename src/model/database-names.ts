/**
 * Database and role names. One database and one login role per app and environment, with the
 * same name. App and environment names are DNS labels (lowercase letters, digits, `-`, neither
 * starting nor ending with `-`); `-` becomes `_` and the two are joined:
 *  - with `_`  when neither contains `-`:   `api` + `production` → `api_production`;
 *  - with `__` when either contains `-`:    `shop-web` + `qa` → `shop_web__qa`, while
 *                                           `shop` + `web-qa` → `shop__web_qa`.
 * The mapping is injective, so two apps can never be given the same database: a name without
 * `__` has exactly one `_` (split there); a name with `__` has it exactly once, because a part
 * neither contains `__` (names with `--` are refused) nor starts or ends with `_`. An app name
 * starting with a digit gets a leading `_` (`9lives` → `_9lives_prod`), which no other app can
 * produce, so the name needs no quoting in psql. At most 63 bytes (Postgres' identifier limit;
 * longer names would be silently truncated and could collide).
 * The names are still quoted everywhere (escapeIdentifier): quoting is the rule, not the exception.
 *
 * Ownership: berth writes a comment naming app and environment on each role and database it
 * creates (databaseComment), and touches only objects carrying it for the same app and
 * environment.
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
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function databaseIdentity(app: string, environment: string): DatabaseIdentity {
  for (const [what, value] of [
    ['app', app],
    ['environment', environment],
  ] as const) {
    if (!DNS_LABEL.test(value) || value.includes('--')) {
      throw new UsageError(`The ${what} name "${value}" cannot name a database`, {
        hint: `Database names are built from app and environment names made of lowercase letters, digits and single "-"; rename the ${what}.`,
      });
    }
  }
  const name = generatedName(app, environment);
  if (Buffer.byteLength(name) > MAX_IDENTIFIER) {
    throw new UsageError(`Database name "${name}" for ${app} in ${environment} is longer than ${MAX_IDENTIFIER} bytes`, {
      hint: 'Postgres truncates longer names, so two apps could end up sharing one; use a shorter app or environment name.',
    });
  }
  return { app, environment, database: name, role: name };
}

function generatedName(app: string, environment: string): string {
  const separator = app.includes('-') || environment.includes('-') ? '__' : '_';
  return `${/^[0-9]/.test(app) ? '_' : ''}${app.replaceAll('-', '_')}${separator}${environment.replaceAll('-', '_')}`;
}

/** Why berth cannot name this app's database in this environment, for validation; undefined when it can. */
export function databaseNameProblem(app: string, environment: string): string | undefined {
  if (app.includes('--') || environment.includes('--'))
    return `"${app}" in "${environment}" cannot name a database (a "--" in a name would make two apps' names meet)`;
  const name = generatedName(app, environment);
  if (Buffer.byteLength(name) > MAX_IDENTIFIER) return `its database name "${name}" in ${environment} is longer than Postgres' ${MAX_IDENTIFIER} bytes`;
  return undefined;
}

/** The comment berth writes on each role and database it creates: its ownership marker. */
export function databaseComment(identity: Pick<DatabaseIdentity, 'app' | 'environment'>): string {
  return `berth app=${identity.app} environment=${identity.environment}`;
}

export function parseDatabaseComment(comment: string | null): { app: string; environment: string } | undefined {
  const match = /^berth app=(\S+) environment=(\S+)$/.exec(comment ?? '');
  return match ? { app: match[1]!, environment: match[2]! } : undefined;
}

/** True when the comment is berth's marker for exactly this app and environment. */
export function markedFor(comment: string | null, identity: Pick<DatabaseIdentity, 'app' | 'environment'>): boolean {
  const owner = parseDatabaseComment(comment);
  return owner?.app === identity.app && owner.environment === identity.environment;
}
