/**
 * `berth db create`: an app's login role and database on the shared server, and the Secret its
 * pods read. Idempotent: a second run finds everything in place, keeps the password stored in
 * the Secret and leaves the Secret untouched. Repairs what it can:
 *  - role gone but Secret present (server rebuilt): the role is recreated with the Secret's password;
 *  - Secret gone but role present: a new password is set and the Secret written;
 *  - password changed behind berth's back: reset to the Secret's, so running pods keep working.
 * It never adopts what it did not create: an existing role or database without berth's marker
 * for this app and environment is refused (exit 4) before anything is changed (ownership.ts).
 */
import type { Cluster } from '../cluster/connect.ts';
import { applySecret, readSecret } from '../cluster/secrets.ts';
import { ensureNamespace } from '../cluster/namespaces.ts';
import { databaseSecretName } from '../model/names.ts';
import { environmentLabels } from '../model/labels.ts';
import { connect, withConnection, type Client } from '../postgres/connect.ts';
import type { DatabaseIdentity } from '../model/database-names.ts';
import { generatePassword } from './password.ts';
import { assertOurs, inspectObjects, markRole, requireAdminPrivileges } from './ownership.ts';
import { alignRole, createDatabase, createRole, joinRoleUnlessSuperuser, secureDatabase, setPassword } from './roles.ts';
import { sameData, secretData, storedPassword } from './secret-data.ts';
import { secretLabels } from './secret-labels.ts';
import type { DatabaseServer } from './server.ts';
import type { BerthError } from '../errors.ts';

export interface AppDatabaseRequest {
  identity: DatabaseIdentity;
  /** The app's environment namespace, where the Secret goes. */
  namespace: string;
  server: DatabaseServer;
  adminUrl: string;
  cluster: Cluster;
}

export interface AppDatabaseResult {
  app: string;
  environment: string;
  database: string;
  role: string;
  namespace: string;
  secret: string;
  roleCreated: boolean;
  databaseCreated: boolean;
  /** The role's password was set (new role, lost Secret, or out-of-band change). */
  passwordSet: boolean;
  secretWritten: boolean;
}

export async function createAppDatabase(request: AppDatabaseRequest): Promise<AppDatabaseResult> {
  const { identity, server, cluster, namespace } = request;
  const secret = databaseSecretName({ name: identity.app });
  const existing = await readSecret(cluster, namespace, secret);
  const kept = storedPassword(existing, identity);
  const admin = await connect(request.adminUrl, { label: 'the admin connection', applicationName: 'berth db create' });
  let result: Pick<AppDatabaseResult, 'roleCreated' | 'databaseCreated' | 'passwordSet'>;
  let password: string;
  try {
    ({ password, ...result } = await ensureRoleAndDatabase(admin, request, kept));
  } finally {
    await admin.end().catch(() => {});
  }
  const data = secretData(identity, server, password);
  const secretWritten = !sameData(existing, data);
  if (secretWritten) {
    await ensureNamespace(cluster, namespace, environmentLabels(identity.environment));
    await applySecret(cluster, { namespace, name: secret, labels: secretLabels(identity), data }, { force: true });
  }
  return {
    app: identity.app,
    environment: identity.environment,
    database: identity.database,
    role: identity.role,
    namespace,
    secret,
    ...result,
    secretWritten,
  };
}

async function ensureRoleAndDatabase(admin: Client, request: AppDatabaseRequest, kept: string | undefined) {
  const { identity, server } = request;
  let password = kept ?? generatePassword();
  let roleCreated = false;
  let passwordSet = false;
  await requireAdminPrivileges(admin, ['CREATEROLE', 'CREATEDB']);
  let ownership = assertOurs(await inspectObjects(admin, identity), identity, 'take it over');
  if (ownership === 'absent') {
    roleCreated = await createRole(admin, identity, password, server.connectionLimit);
    passwordSet = roleCreated;
    // Lost a race with a concurrent create: whose role is it?
    if (!roleCreated) ownership = assertOurs(await inspectObjects(admin, identity), identity, 'take it over');
  }
  if (!roleCreated) {
    if (ownership === 'legacy') await markRole(admin, identity);
    await alignRole(admin, identity.role, server.connectionLimit);
    if (!kept) {
      // The role exists but its password is nowhere we can read it: issue a new one.
      password = generatePassword();
      await setPassword(admin, identity.role, password);
      passwordSet = true;
    } else if ((await passwordWorks(request.adminUrl, identity, kept)) === false) {
      await setPassword(admin, identity.role, kept);
      passwordSet = true;
    }
  }
  await joinRoleUnlessSuperuser(admin, identity.role);
  const databaseCreated = await createDatabase(admin, identity);
  // Created meanwhile by someone else (a concurrent create, or a person): whose is it?
  if (!databaseCreated) assertOurs(await inspectObjects(admin, identity), identity, 'take it over');
  await secureDatabase(admin, identity);
  return { password, roleCreated, databaseCreated, passwordSet };
}

/**
 * Logs in as the app (at the admin's host: the app's host may be a cluster DNS name). True or
 * false when the server answered about the password; undefined when it could not tell (pg_hba
 * may not admit the app role from here), in which case nothing is changed.
 */
export async function passwordWorks(adminUrl: string, identity: DatabaseIdentity, password: string): Promise<boolean | undefined> {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(identity.role);
  url.password = encodeURIComponent(password);
  try {
    await withConnection(url.toString(), { label: 'the app role', database: identity.database, timeoutMs: 5_000 }, async () => {});
    return true;
  } catch (error) {
    const cause = (error as BerthError).cause as { code?: string } | undefined;
    if (cause?.code === '28P01') return false;
    return undefined;
  }
}
