import { defineCommand } from '../../command.ts';
import { ENV_OPTION } from '../../project.ts';
import { appDatabaseRequest, dbTarget } from './common.ts';

export default defineCommand({
  name: 'db create',
  summary: "create an app's database, login role and DATABASE_URL Secret (idempotent)",
  args: 'APP',
  description:
    'Database and role are both named <app>_<env>, or <app>__<env> with "-" written as "_" when a name has a dash (so no two apps can meet). Objects berth did not create are never taken over. CONNECT is revoked from PUBLIC, so no other app can connect.',
  options: { env: ENV_OPTION },
  examples: ['berth db create api --env production'],
  async run(context) {
    const target = await dbTarget(context, 'create');
    const { createAppDatabase } = await import('../../../db/provision.ts');
    const result = await createAppDatabase(await appDatabaseRequest(target));
    context.out.result({ ok: true, ...result });
    const { out } = context;
    const made = [result.roleCreated && 'role', result.databaseCreated && 'database'].filter(Boolean).join(' and ');
    out.print(
      made
        ? `Created ${made} ${result.database} for ${result.app} in ${result.environment}`
        : `Database ${result.database} for ${result.app} in ${result.environment} already exists`,
    );
    if (result.passwordSet && !result.roleCreated) out.print(`Set a password for role ${result.role} (the Secret did not hold the working one)`);
    out.print(
      result.secretWritten
        ? `Wrote Secret ${result.namespace}/${result.secret} (DATABASE_URL and PG*): pods of ${result.app} read it at start`
        : `Secret ${result.namespace}/${result.secret} is up to date`,
    );
  },
});
