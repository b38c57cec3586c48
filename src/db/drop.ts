/**
 * `berth db drop`: the app's database (open sessions terminated), its role, and its Secret.
 * Only a role and database berth marked for this app and environment are dropped (ownership.ts);
 * nothing is dropped while the app still has Deployments in the namespace, unless forced: DROP
 * DATABASE … WITH (FORCE) would cut their live sessions. Confirmation is the command's job.
 */
import type { Cluster } from '../cluster/connect.ts';
import { listDeployments } from '../cluster/deployments.ts';
import { deleteSecret } from '../cluster/secrets.ts';
import { BerthError, ExitCode } from '../errors.ts';
import { LABEL } from '../model/labels.ts';
import { databaseSecretName } from '../model/names.ts';
import { escapeIdentifier as id, withConnection } from '../postgres/connect.ts';
import { statementError } from '../postgres/errors.ts';
import type { DatabaseIdentity } from '../model/database-names.ts';
import { assertOurs, inspectObjects, requireAdminPrivileges } from './ownership.ts';

export interface DropRequest {
  identity: DatabaseIdentity;
  namespace: string;
  adminUrl: string;
  cluster: Cluster;
  /** Drop even though Deployments of the app still run in the namespace. */
  force?: boolean;
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
  const { identity, namespace } = request;
  const running = await listDeployments(request.cluster, namespace, { [LABEL.app]: identity.app });
  if (running.length > 0 && !request.force) {
    throw new BerthError(`${identity.app} still has Deployments in ${namespace} (${running.join(', ')}); not dropping its database`, {
      exitCode: ExitCode.conflict,
      hint: `Dropping terminates their open sessions. Remove the app from ${identity.environment} and deploy first, or pass --force to drop anyway. Nothing was dropped.`,
    });
  }
  const outcome = await withConnection(request.adminUrl, { label: 'the admin connection', applicationName: 'berth db drop' }, async (admin) => {
    await requireAdminPrivileges(admin, ['CREATEROLE']);
    const state = await inspectObjects(admin, identity);
    // Both checked before either is dropped.
    assertOurs(state, identity, 'drop it');
    const { rows } = await admin.query(
      `SELECT (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid AND a.pid <> pg_backend_pid())::int AS sessions FROM pg_database d WHERE d.datname = $1`,
      [identity.database],
    );
    const sessions = (rows[0] as { sessions: number } | undefined)?.sessions ?? 0;
    if (state.database.exists) {
      // WITH (FORCE) (Postgres 13+) terminates the sessions and drops in one step, so no new
      // session can slip in between.
      await admin.query(`DROP DATABASE ${id(identity.database)} WITH (FORCE)`).catch((error: unknown) => {
        throw statementError(error, `drop database ${identity.database}`);
      });
    }
    if (state.role.exists) {
      await admin.query(`DROP ROLE ${id(identity.role)}`).catch((error: unknown) => {
        throw statementError(error, `drop role ${identity.role} (it may own objects in other databases)`);
      });
    }
    return { databaseDropped: state.database.exists, roleDropped: state.role.exists, terminatedSessions: state.database.exists ? sessions : 0 };
  });
  const secretDeleted = await deleteSecret(request.cluster, namespace, databaseSecretName({ name: identity.app }));
  return { app: identity.app, environment: identity.environment, database: identity.database, ...outcome, secretDeleted };
}
