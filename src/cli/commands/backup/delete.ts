import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { REQUIRED_ENV_OPTION } from '../../project.ts';
import { backupTarget, STORE_DIR_OPTION } from './common.ts';

export default defineCommand({
  name: 'backup delete',
  summary: 'delete one backup (archive and sidecar); never the newest verified one without --force',
  args: 'APP BACKUP',
  options: {
    env: REQUIRED_ENV_OPTION,
    force: { type: 'boolean', description: 'delete even the newest verified backup' },
    'store-dir': STORE_DIR_OPTION,
  },
  examples: ['berth backup delete api 20260301T030000Z-1a2b --env production'],
  async run(context) {
    const id = context.positionals[1];
    if (!id)
      throw new UsageError('berth backup delete takes the app and the backup id', { hint: 'berth backup delete APP BACKUP (ids: berth backup list APP)' });
    const target = await backupTarget(context, 'delete', { explicitEnvironment: true, extraPositional: true });
    const [{ deleteBackup }, { currentUser }] = await Promise.all([import('../../../backup/remove.ts'), import('../../../deploy/lock.ts')]);
    await deleteBackup(await target.store(), {
      app: target.app,
      environment: target.environment,
      id,
      force: context.options.force === true,
      by: currentUser(),
      warn: (m) => context.out.warn(m),
    });
    context.out.result({ ok: true, deleted: id });
    context.out.print(`Deleted backup ${id} of ${target.app} in ${target.environment}`);
  },
});
