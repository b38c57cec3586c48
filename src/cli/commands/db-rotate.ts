import { rotateAppPassword } from '../../db/rotate.ts';
import type { CommandContext } from '../command.ts';
import { appDatabaseRequest, dbTarget } from './db-common.ts';

export async function run(context: CommandContext): Promise<void> {
  const target = await dbTarget(context, 'rotate', { explicitEnvironment: true });
  const result = await rotateAppPassword(await appDatabaseRequest(target));
  context.out.result({ ok: true, ...result });
  context.out.print(`New password for ${result.role} stored in Secret ${result.namespace}/${result.secret}`);
  context.out.print(
    result.restarted.length
      ? `Rolling pods of ${result.restarted.join(', ')} to pick it up (sessions already open keep working until their pods stop)`
      : `No Deployments of ${result.app} in ${result.namespace} to restart`,
  );
  // There is no grace period: Postgres holds one password per role.
  if (result.restarted.length) {
    context.out.warn(`the old password no longer works: until the rollout finishes, old pods of ${result.app} are refused when they open new connections (open ones keep working)`);
  }
}
