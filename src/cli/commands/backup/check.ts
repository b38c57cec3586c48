import { BerthError, UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION } from '../../project.ts';
import { backupTarget, STORE_DIR_OPTION } from './common.ts';

export default defineCommand({
  name: 'backup check',
  summary: 'exit non-zero when the newest verified backup is older than the schedule says it should be',
  args: 'APP',
  description:
    "Compares the newest verified backup with the schedule's previous fire time, allowing backups.staleAfterMinutes for the run to finish: a missed or failed run makes it exit 1 with a message (and a notification). For a CronJob, CI or a monitor.",
  options: { env: ENV_OPTION, 'store-dir': STORE_DIR_OPTION },
  examples: ['berth backup check api --env production'],
  async run(context) {
    const target = await backupTarget(context, 'check');
    const schedule = target.settings.schedule;
    if (!schedule) {
      throw new UsageError(`${target.app} has no backup schedule in ${target.environment}`, {
        hint: `Set apps.${target.app}.backups.schedule (e.g. "0 3 * * *").`,
      });
    }
    const [{ readCatalog, isVerified }, { checkStaleness }] = await Promise.all([import('../../../backup/catalog.ts'), import('../../../backup/schedule.ts')]);
    const newest = (await readCatalog(await target.store(), target.app, target.environment)).find(isVerified);
    const verdict = checkStaleness({
      cron: schedule.cron,
      timeZone: schedule.timeZone,
      newestVerified: newest ? new Date(newest.meta!.startedAt) : undefined,
      now: new Date(),
      toleranceMinutes: target.settings.staleAfterMinutes,
    });
    context.out.result({ ok: !verdict.stale, app: target.app, environment: target.environment, ...verdict, newest: newest?.id });
    if (verdict.stale) {
      const message = `Backups of ${target.app} in ${target.environment} are stale: ${verdict.message}`;
      await (await target.notifier()).send('backups-stale', message);
      throw new BerthError(message, {
        hint: `Look at the backup CronJob's last runs (kubectl get jobs -n ${target.namespace}) or run berth backup create ${target.app}.`,
      });
    }
    context.out.print(`Backups of ${target.app} in ${target.environment} are current: ${verdict.message}`);
  },
});
