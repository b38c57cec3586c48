import { rotateAppPassword } from '../../db/rotate.ts';
import type { CommandContext } from '../command.ts';
import { dbTarget } from './db-common.ts';

export async function run(context: CommandContext): Promise<void> {
  const target = await dbTarget(context, 'rotate');
  const result = await rotateAppPassword({
    identity: target.identity,
    namespace: target.namespace,
    server: target.server,
    adminUrl: await target.adminUrl(),
    cluster: await target.cluster(),
  });
  context.out.result({ ok: true, ...result });
  context.out.print(`New password for ${result.role} stored in Secret ${result.namespace}/${result.secret}`);
  context.out.print(
    result.restarted.length
      ? `Rolling pods of ${result.restarted.join(', ')} to pick it up (sessions already open keep working until their pods stop)`
      : `No Deployments of ${result.app} in ${result.namespace} to restart`,
  );
}
