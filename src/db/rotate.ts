/**
 * `berth db rotate`: a new password for an app's role, its Secret rewritten, its pods rolled.
 * The ALTER ROLE commits only after the Secret is written, so a failed Secret write leaves the
 * old password working. (Should the commit itself fail after the write, `berth db create`
 * repairs it: it resets the role to the Secret's password.)
 *
 * The old password stops working at COMMIT: sessions already open stay up, but a pod that opens
 * a new connection with the old password before it is replaced (pool growth, reconnects) is
 * refused until the rollout has replaced it. Rotate when a short burst of connection errors is
 * acceptable, or scale up pools beforehand. Only a role berth marked for the app is touched.
 */
import type { Cluster } from '../cluster/connect.ts';
import { listDeployments, restartDeployments } from '../cluster/deployments.ts';
import { applySecret } from '../cluster/secrets.ts';
import { BerthError } from '../errors.ts';
import { LABEL } from '../model/labels.ts';
import { databaseSecretName } from '../model/names.ts';
import { connect } from '../postgres/connect.ts';
import { statementError } from '../postgres/errors.ts';
import type { DatabaseIdentity } from '../model/database-names.ts';
import { generatePassword } from './password.ts';
import { assertOurs, inspectObjects, markRole, requireAdminPrivileges } from './ownership.ts';
import { setPassword } from './roles.ts';
import { secretData } from './secret-data.ts';
import { secretLabels } from './secret-labels.ts';
import type { DatabaseServer } from './server.ts';

export interface RotateRequest {
  identity: DatabaseIdentity;
  namespace: string;
  server: DatabaseServer;
  adminUrl: string;
  cluster: Cluster;
  now?: () => Date;
}

export interface RotateResult {
  app: string;
  environment: string;
  role: string;
  namespace: string;
  secret: string;
  /** Deployments whose pods were rolled to pick up the new password. */
  restarted: string[];
}

export async function rotateAppPassword(request: RotateRequest): Promise<RotateResult> {
  const { identity, namespace, cluster } = request;
  const secret = databaseSecretName({ name: identity.app });
  const password = generatePassword();
  const admin = await connect(request.adminUrl, { label: 'the admin connection', applicationName: 'berth db rotate' });
  try {
    await requireAdminPrivileges(admin, ['CREATEROLE']);
    const state = await inspectObjects(admin, identity);
    const ownership = assertOurs(state, identity, 'change its password');
    if (ownership === 'absent') {
      throw new BerthError(`${identity.app} has no database role in ${identity.environment} (${identity.role})`, {
        hint: `Create it first: berth db create ${identity.app} --env ${identity.environment}`,
      });
    }
    await admin.query('BEGIN');
    if (ownership === 'legacy') await markRole(admin, identity);
    await setPassword(admin, identity.role, password);
    await applySecret(
      cluster,
      { namespace, name: secret, labels: secretLabels(identity), data: secretData(identity, request.server, password) },
      { force: true },
    );
    await admin.query('COMMIT').catch((error: unknown) => {
      throw statementError(
        error,
        `commit the new password of ${identity.role} (the Secret already holds it: run \`berth db create ${identity.app}\` to repair)`,
      );
    });
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await admin.end().catch(() => {});
  }
  const deployments = await listDeployments(cluster, namespace, { [LABEL.app]: identity.app });
  await restartDeployments(cluster, namespace, deployments, (request.now ?? (() => new Date()))());
  return { app: identity.app, environment: identity.environment, role: identity.role, namespace, secret, restarted: deployments };
}
