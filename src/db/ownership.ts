/**
 * Whether a role or database named like an app's belongs to berth for that app and environment.
 * berth never takes over objects it did not create: a hand-made `api_production`, or another
 * app's, is refused before anything is changed, naming the object and the way out.
 *
 * The marker is the comment berth writes (names.ts). Roles created before roles were marked
 * (berth 0.1) carry none; such a role is recognised by the marked database of the same name it
 * owns, and gets the marker on the next `db create`.
 */
import { escapeIdentifier as id, escapeLiteral as literal, type Client } from '../postgres/connect.ts';
import { statementError } from '../postgres/errors.ts';
import { databaseComment, markedFor, parseDatabaseComment, type DatabaseIdentity } from '../model/database-names.ts';
import { BerthError, ExitCode } from '../errors.ts';

export interface ObjectState {
  role: { exists: boolean; comment: string | null };
  database: { exists: boolean; comment: string | null; owner: string | null };
}

export async function inspectObjects(client: Client, identity: DatabaseIdentity): Promise<ObjectState> {
  try {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM pg_roles WHERE rolname = $1)::int AS role_exists,
              (SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1) AS role_comment,
              (SELECT count(*) FROM pg_database WHERE datname = $2)::int AS database_exists,
              (SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $2) AS database_comment,
              (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $2) AS database_owner`,
      [identity.role, identity.database],
    );
    const row = rows[0] as Record<string, unknown>;
    return {
      role: { exists: row.role_exists === 1, comment: (row.role_comment as string | null) ?? null },
      database: {
        exists: row.database_exists === 1,
        comment: (row.database_comment as string | null) ?? null,
        owner: (row.database_owner as string | null) ?? null,
      },
    };
  } catch (error) {
    throw statementError(error, `look up role and database ${identity.role}`);
  }
}

export type RoleOwnership = 'absent' | 'marked' | 'legacy';

/** The role is berth's for this app: marked, or (legacy) the owner of this app's marked database. */
export function roleOwnership(state: ObjectState, identity: DatabaseIdentity): RoleOwnership | 'foreign' {
  if (!state.role.exists) return 'absent';
  if (markedFor(state.role.comment, identity)) return 'marked';
  if (state.role.comment === null && state.database.exists && markedFor(state.database.comment, identity) && state.database.owner === identity.role)
    return 'legacy';
  return 'foreign';
}

/**
 * The database is berth's for this app: marked; or unmarked but owned by this app's marked role
 * (a `db create` stopped between CREATE DATABASE and its COMMENT).
 */
export function databaseIsOurs(state: ObjectState, identity: DatabaseIdentity): boolean {
  if (!state.database.exists || markedFor(state.database.comment, identity)) return true;
  return state.database.comment === null && state.database.owner === identity.role && markedFor(state.role.comment, identity);
}

/** Throws (exit 4) unless every existing object is berth's for this app and environment. */
export function assertOurs(state: ObjectState, identity: DatabaseIdentity, doing: string): RoleOwnership {
  const role = roleOwnership(state, identity);
  if (role === 'foreign') throw notOurs('Role', identity.role, state.role.comment, identity, doing);
  if (!databaseIsOurs(state, identity)) throw notOurs('Database', identity.database, state.database.comment, identity, doing);
  return role;
}

function notOurs(kind: 'Role' | 'Database', name: string, comment: string | null, identity: DatabaseIdentity, doing: string): BerthError {
  const other = parseDatabaseComment(comment);
  const whose = other ? `it belongs to berth app ${other.app} in ${other.environment}` : 'it was not created by berth';
  const sql = kind === 'Role' ? `DROP ROLE ${id(name)};` : `DROP DATABASE ${id(name)};`;
  return new BerthError(`${kind} ${name} already exists and ${whose}; refusing to ${doing} for ${identity.app} in ${identity.environment}`, {
    exitCode: ExitCode.conflict,
    hint: other
      ? `Nothing was changed. Two configs claim the same app and environment; use another app name here.`
      : `Nothing was changed. If it really is this app's, adopt it explicitly: berth db adopt ${identity.app} --env ${identity.environment}. ` +
        `If it is unused, drop it (psql: ${sql}) and run again; otherwise give the app another database name (apps.${identity.app}.database).`,
  });
}

/** Marks a legacy role (see above). */
export async function markRole(client: Client, identity: DatabaseIdentity): Promise<void> {
  await client.query(`COMMENT ON ROLE ${id(identity.role)} IS ${literal(databaseComment(identity))}`).catch((error: unknown) => {
    throw statementError(error, `label role ${identity.role}`);
  });
}

/** The admin's own attributes, checked before anything is changed. */
export async function requireAdminPrivileges(client: Client, needed: readonly ('CREATEROLE' | 'CREATEDB')[]): Promise<void> {
  const { rows } = await client
    .query('SELECT current_user AS name, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user')
    .catch((error: unknown) => {
      throw statementError(error, 'check the admin role');
    });
  const me = rows[0] as { name: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean } | undefined;
  if (!me || me.rolsuper) return;
  const missing = needed.filter((p) => !(p === 'CREATEROLE' ? me.rolcreaterole : me.rolcreatedb));
  if (missing.length === 0) return;
  throw new BerthError(`The admin role ${me.name} lacks ${missing.join(' and ')}`, {
    exitCode: ExitCode.unreachable,
    hint: `Grant it as a superuser: ALTER ROLE ${id(me.name)} ${missing.join(' ')}; or point database.admin at a role that has ${needed.join(' and ')}. Nothing was changed.`,
  });
}
