/**
 * `berth db adopt`: take over an app's existing database and login role, named in the config
 * (`database: { name, role }`), so berth manages them from then on (`db create`, `rotate`,
 * `drop`, backups). Explicit, never silent: `db create` refuses objects it did not create and
 * points here. Adopting writes berth's ownership marker (the comment ownership.ts reads) on the
 * role and the database, in one transaction; nothing else changes. With the role's current
 * password it also writes the app's Secret, so running apps keep their credential; without it the
 * next `db create` issues a new password.
 *
 * Refused, with nothing changed: objects that do not exist, a role or database another berth app
 * or environment owns, a superuser role (its password is everyone's admin password), a database
 * the role does not own, a password that does not log in.
 */
import type { Cluster } from '../cluster/connect.ts';
import { BerthError, ExitCode } from '../errors.ts';
import { databaseComment, markedFor, parseDatabaseComment, type DatabaseIdentity } from '../model/database-names.ts';
import { environmentLabels } from '../model/labels.ts';
import { databaseSecretName } from '../model/names.ts';
import { connect, escapeIdentifier as id, escapeLiteral as literal, type Client } from '../postgres/connect.ts';
import { statementError } from '../postgres/errors.ts';
import { inspectObjects, requireAdminPrivileges, type ObjectState } from './ownership.ts';
import { passwordWorks } from './provision.ts';
import { secretData } from './secret-data.ts';
import { secretLabels } from './secret-labels.ts';
import type { DatabaseServer } from './server.ts';

export interface AdoptRequest {
  identity: DatabaseIdentity;
  namespace: string;
  server: DatabaseServer;
  adminUrl: string;
  cluster: Cluster;
  /** The role's current password, to write the Secret without changing it. */
  password?: string;
}

export interface AdoptResult {
  app: string;
  environment: string;
  database: string;
  role: string;
  /** False when both already carried berth's marker for this app and environment. */
  adopted: boolean;
  /** Comments the marker replaced, so nobody's note disappears unseen. */
  replacedComments: string[];
  namespace: string;
  secret: string;
  secretWritten: boolean;
}

export async function adoptAppDatabase(request: AdoptRequest): Promise<AdoptResult> {
  const { identity } = request;
  const secret = databaseSecretName({ name: identity.app });
  const admin = await connect(request.adminUrl, { label: 'the admin connection', applicationName: 'berth db adopt' });
  let adopted = false;
  let replacedComments: string[] = [];
  try {
    await requireAdminPrivileges(admin, ['CREATEROLE']);
    const state = await inspectObjects(admin, identity);
    assertAdoptable(state, identity);
    await assertNotSuperuser(admin, identity);
    if (request.password !== undefined && (await passwordWorks(request.adminUrl, identity, request.password)) !== true) {
      throw new BerthError(`The password given does not log in as ${identity.role} to ${identity.database}`, {
        exitCode: ExitCode.usage,
        hint: 'Nothing was changed. Check the password (read from stdin), or adopt without --password-stdin and let `berth db create` issue a new one.',
      });
    }
    const marked = markedFor(state.role.comment, identity) && markedFor(state.database.comment, identity);
    if (!marked) {
      replacedComments = [state.role.comment, state.database.comment].filter((c): c is string => c !== null && !parseDatabaseComment(c));
      await mark(admin, identity);
      adopted = true;
    }
  } finally {
    await admin.end().catch(() => {});
  }
  let secretWritten = false;
  if (request.password !== undefined) {
    const [{ applySecret }, { ensureNamespace }] = await Promise.all([import('../cluster/secrets.ts'), import('../cluster/namespaces.ts')]);
    await ensureNamespace(request.cluster, request.namespace, environmentLabels(identity.environment));
    await applySecret(
      request.cluster,
      { namespace: request.namespace, name: secret, labels: secretLabels(identity), data: secretData(identity, request.server, request.password) },
      { force: true },
    );
    secretWritten = true;
  }
  return {
    app: identity.app,
    environment: identity.environment,
    database: identity.database,
    role: identity.role,
    adopted,
    replacedComments,
    namespace: request.namespace,
    secret,
    secretWritten,
  };
}

function assertAdoptable(state: ObjectState, identity: DatabaseIdentity): void {
  const missing = [!state.role.exists && `role ${identity.role}`, !state.database.exists && `database ${identity.database}`].filter(Boolean);
  if (missing.length) {
    throw new BerthError(
      `Nothing to adopt for ${identity.app} in ${identity.environment}: ${missing.join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not exist`,
      {
        exitCode: ExitCode.usage,
        hint: `Check apps.${identity.app}.database (name, role) in the config, or let berth create them: berth db create ${identity.app} --env ${identity.environment}`,
      },
    );
  }
  for (const [kind, name, comment] of [
    ['Role', identity.role, state.role.comment],
    ['Database', identity.database, state.database.comment],
  ] as const) {
    const owner = parseDatabaseComment(comment);
    if (owner && !markedFor(comment, identity)) {
      throw new BerthError(
        `${kind} ${name} belongs to berth app ${owner.app} in ${owner.environment}; refusing to adopt it for ${identity.app} in ${identity.environment}`,
        {
          exitCode: ExitCode.conflict,
          hint: 'Nothing was changed. Each app and environment needs a database and role of its own.',
        },
      );
    }
  }
  if (state.database.owner !== identity.role) {
    throw new BerthError(`Database ${identity.database} is owned by ${state.database.owner}, not ${identity.role}`, {
      exitCode: ExitCode.conflict,
      hint: `Nothing was changed. berth manages a database through its owner; if ${identity.role} is the app's role, run as a superuser: ALTER DATABASE ${id(identity.database)} OWNER TO ${id(identity.role)};`,
    });
  }
}

async function assertNotSuperuser(admin: Client, identity: DatabaseIdentity): Promise<void> {
  const { rows } = await admin.query('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [identity.role]).catch((error: unknown) => {
    throw statementError(error, `look up role ${identity.role}`);
  });
  if (rows[0]?.rolsuper) {
    throw new BerthError(`Role ${identity.role} is a superuser; berth will not manage it for ${identity.app} (a rotation would change an admin password)`, {
      exitCode: ExitCode.conflict,
      hint: `Nothing was changed. Give the app a role of its own: CREATE ROLE app_role LOGIN PASSWORD '…'; ALTER DATABASE ${id(identity.database)} OWNER TO app_role; then name it in apps.${identity.app}.database.role and adopt again.`,
    });
  }
}

/** Both markers or neither: one transaction. */
async function mark(admin: Client, identity: DatabaseIdentity): Promise<void> {
  const comment = literal(databaseComment(identity));
  try {
    await admin.query(`BEGIN; COMMENT ON ROLE ${id(identity.role)} IS ${comment}; COMMENT ON DATABASE ${id(identity.database)} IS ${comment}; COMMIT`);
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => {});
    throw statementError(error, `mark role ${identity.role} and database ${identity.database} as berth's`);
  }
}
