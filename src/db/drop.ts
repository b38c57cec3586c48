/**
 * `berth db drop`: the app's database (open sessions terminated), its role, and its Secret.
 * Only a database berth labelled for this app and environment is dropped. Confirmation is the
 * command's job; this function does what it is told.
 */
import type { Cluster } from '../cluster/connect.ts';
import { deleteSecret } from '../cluster/secrets.ts';
import { BerthError } from '../errors.ts';
import { databaseSecretName } from '../render/names.ts';
import { escapeIdentifier as id, withConnection } from './connect.ts';
import { statementError } from './errors.ts';
import { parseDatabaseComment, type DatabaseIdentity } from './names.ts';

export interface DropRequest {
  identity: DatabaseIdentity;
  namespace: string;
  adminUrl: string;
  cluster: Cluster;
}

export interface DropResult {
  app: string;
  environment: string;
  database: string;
  databaseDropped: boolean;
  roleDropped: boolean;
  secretDeleted: boolean;
  /** Sessions that were open and got terminated. */
  terminatedSessions: number;
}

export async function dropAppDatabase(request: DropRequest): Promise<DropResult> {
  const { identity } = request;
  const outcome = await withConnection(request.adminUrl, { label: 'the admin connection', applicationName: 'berth db drop' }, async (admin) => {
    const { rows } = await admin.query(
      `SELECT shobj_description(d.oid, 'pg_database') AS comment,
              (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid AND a.pid <> pg_backend_pid())::int AS sessions
         FROM pg_database d WHERE d.datname = $1`,
      [identity.database],
    );
    let databaseDropped = false;
    const row = rows[0] as { comment: string | null; sessions: number } | undefined;
    if (row) {
      const owner = parseDatabaseComment(row.comment);
      if (owner?.app !== identity.app || owner.environment !== identity.environment) {
        throw new BerthError(`Database ${identity.database} was not created by berth for ${identity.app} in ${identity.environment}; not dropping it`, {
          hint: 'Drop it yourself with psql if you are sure.',
        });
      }
      // WITH (FORCE) (Postgres 13+) terminates the sessions and drops in one step, so no new
      // session can slip in between.
      await admin.query(`DROP DATABASE ${id(identity.database)} WITH (FORCE)`).catch((error: unknown) => {
        throw statementError(error, `drop database ${identity.database}`);
      });
      databaseDropped = true;
    }
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [identity.role]);
    if (role.rowCount) {
      await admin.query(`DROP ROLE ${id(identity.role)}`).catch((error: unknown) => {
        throw statementError(error, `drop role ${identity.role} (it may own objects in other databases)`);
      });
    }
    return { databaseDropped, roleDropped: Boolean(role.rowCount), terminatedSessions: row?.sessions ?? 0 };
  });
  const secretDeleted = await deleteSecret(request.cluster, request.namespace, databaseSecretName({ name: identity.app }));
  return { app: identity.app, environment: identity.environment, database: identity.database, ...outcome, secretDeleted };
}
