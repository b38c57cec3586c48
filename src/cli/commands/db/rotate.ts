import { defineCommand } from '../../command.ts';
import { REQUIRED_ENV_OPTION } from '../../project.ts';
import { appDatabaseRequest, dbTarget } from './common.ts';

export default defineCommand({
  name: 'db rotate',
  summary: "give an app's role a new password, update its Secret and roll its pods",
  args: 'APP',
  description: 'The old password stops working at once: pods still running on it fail new connections until the rollout replaces them.',
  options: { env: REQUIRED_ENV_OPTION },
  async run(context) {
    const target = await dbTarget(context, 'rotate', { explicitEnvironment: true });
    const { rotateAppPassword } = await import('../../../db/rotate.ts');
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
      context.out.warn(
        `the old password no longer works: until the rollout finishes, old pods of ${result.app} are refused when they open new connections (open ones keep working)`,
      );
    }
  },
});
