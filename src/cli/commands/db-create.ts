import { createAppDatabase } from '../../db/provision.ts';
import type { CommandContext } from '../command.ts';
import { appDatabaseRequest, dbTarget } from './db-common.ts';

export async function run(context: CommandContext): Promise<void> {
  const target = await dbTarget(context, 'create');
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
}
