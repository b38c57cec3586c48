/**
 * The SQL behind an app's role and database, run as the admin. Names are quoted with
 * escapeIdentifier; values are bound as parameters wherever Postgres allows it. Utility
 * statements (CREATE ROLE, ALTER DATABASE …) take no parameters, so the few literals there are
 * a SCRAM verifier we computed, a comment we built from validated names, and integers.
 */
import { escapeIdentifier as id, escapeLiteral as literal, type Client } from '../postgres/connect.ts';
import { statementError } from '../postgres/errors.ts';
import { databaseComment, type DatabaseIdentity } from '../model/database-names.ts';
import { scramVerifier } from './password.ts';
import { BerthError, ExitCode } from '../errors.ts';

const DUPLICATE_OBJECT = '42710';
const DUPLICATE_DATABASE = '42P04';

async function run(client: Client, sql: string, doing: string, values: unknown[] = []) {
  try {
    return await client.query(sql, values);
  } catch (error) {
    throw statementError(error, doing);
  }
}

export async function roleExists(client: Client, role: string): Promise<boolean> {
  const { rowCount } = await run(client, 'SELECT 1 FROM pg_roles WHERE rolname = $1', `look up role ${role}`, [role]);
  return rowCount === 1;
}

/**
 * Creates the login role with berth's ownership marker, in one implicit transaction (a simple
 * query of two statements), so no unmarked role is ever left behind. False when it appeared
 * meanwhile (a concurrent `db create`): the caller checks whose it is.
 */
export async function createRole(client: Client, identity: DatabaseIdentity, password: string, connectionLimit: number): Promise<boolean> {
  const role = id(identity.role);
  const sql = `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT ${int(connectionLimit)} PASSWORD ${literal(scramVerifier(password))};
COMMENT ON ROLE ${role} IS ${literal(databaseComment(identity))}`;
  try {
    await client.query(sql);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === DUPLICATE_OBJECT) return false;
    throw statementError(error, `create role ${identity.role}`);
  }
}

/** Brings an existing role to what berth creates: may log in, has the configured limit. */
export async function alignRole(client: Client, role: string, connectionLimit: number): Promise<void> {
  await run(client, `ALTER ROLE ${id(role)} LOGIN CONNECTION LIMIT ${int(connectionLimit)}`, `update role ${role}`);
}

export async function setPassword(client: Client, role: string, password: string): Promise<void> {
  await run(client, `ALTER ROLE ${id(role)} PASSWORD ${literal(scramVerifier(password))}`, `set the password of role ${role}`);
}

/**
 * A non-superuser admin (CREATEROLE + CREATEDB, as on a managed server) may only create a
 * database owned by a role it can SET ROLE to, so it joins each app role it creates.
 */
export async function joinRoleUnlessSuperuser(client: Client, role: string): Promise<void> {
  const { rows } = await run(client, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user', 'check the admin role');
  if (rows[0]?.rolsuper) return;
  const member = await run(client, 'SELECT pg_has_role(current_user, $1, $2) AS yes', `check membership in ${role}`, [role, 'MEMBER']);
  if (member.rows[0]?.yes) return;
  await run(client, `GRANT ${id(role)} TO CURRENT_USER`, `grant role ${role} to the admin`);
}

export async function databaseOwner(client: Client, database: string): Promise<string | undefined> {
  const { rows } = await run(client, 'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', `look up database ${database}`, [database]);
  return rows[0]?.owner as string | undefined;
}

/** Creates the database owned by the role; false when it already existed. */
export async function createDatabase(client: Client, identity: DatabaseIdentity): Promise<boolean> {
  try {
    // CREATE DATABASE cannot run inside a transaction block; pg's simple query runs it alone.
    await client.query(`CREATE DATABASE ${id(identity.database)} OWNER ${id(identity.role)}`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === DUPLICATE_DATABASE) return false;
    throw statementError(error, `create database ${identity.database}`);
  }
}

/** Owner check, CONNECT revoked from PUBLIC (so other apps' roles cannot even connect), comment. */
export async function secureDatabase(client: Client, identity: DatabaseIdentity): Promise<void> {
  const owner = await databaseOwner(client, identity.database);
  if (owner !== identity.role) {
    throw new BerthError(`Database ${identity.database} exists but is owned by ${owner}, not ${identity.role}`, {
      exitCode: ExitCode.conflict,
      hint: `berth does not take over a database it did not create. If it is this app's, run: ALTER DATABASE ${id(identity.database)} OWNER TO ${id(identity.role)};`,
    });
  }
  const db = id(identity.database);
  await run(client, `COMMENT ON DATABASE ${db} IS ${literal(databaseComment(identity))}`, `label database ${identity.database}`);
  await run(client, `REVOKE CONNECT, TEMPORARY ON DATABASE ${db} FROM PUBLIC`, `revoke PUBLIC access to ${identity.database}`);
}

function int(value: number): number {
  if (!Number.isInteger(value)) throw new TypeError(`not an integer: ${value}`);
  return value;
}
