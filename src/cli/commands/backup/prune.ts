import { defineCommand } from '../../command.ts';
import { REQUIRED_ENV_OPTION } from '../../project.ts';
import { backupTarget, formatBytes, printTable, STORE_DIR_OPTION } from './common.ts';

export default defineCommand({
  name: 'backup prune',
  summary: "apply retention to an app's backups (a dry run unless --yes)",
  args: 'APP',
  description:
    "GFS retention counting only verified backups: the newest of each of the last N days, weeks and months (backups.retention), none older than maxAgeDays, and never the newest verified backup. Only this app and environment's backups are looked at.",
  options: {
    env: REQUIRED_ENV_OPTION,
    yes: { type: 'boolean', description: 'delete; without it nothing is deleted' },
    'store-dir': STORE_DIR_OPTION,
  },
  examples: ['berth backup prune api --env production', 'berth backup prune api --env production --yes'],
  async run(context) {
    const target = await backupTarget(context, 'prune', { explicitEnvironment: true });
    const { pruneBackups } = await import('../../../backup/prune.ts');
    const result = await pruneBackups({
      store: await target.store(),
      app: target.app,
      environment: target.environment,
      policy: target.settings.retention,
      now: new Date(),
      apply: context.options.yes === true,
    });
    context.out.result({ ok: true, dryRun: !context.options.yes, ...result });
    if (result.decisions.length === 0) {
      context.out.print(`No backups of ${target.app} in ${target.environment}`);
      return;
    }
    printTable(context, [
      ['ID', 'STATUS', 'SIZE', context.options.yes ? 'DONE' : 'PLAN', 'WHY'],
      ...result.decisions.map((d) => [d.id, d.status, formatBytes(d.bytes), d.keep ? 'keep' : context.options.yes ? 'deleted' : 'delete', d.reason]),
    ]);
    const removing = result.decisions.filter((d) => !d.keep).length;
    context.out.print(
      context.options.yes ? `Deleted ${result.deleted.length} backup(s)` : `Dry run: ${removing} backup(s) would be deleted; add --yes to delete them`,
    );
  },
});
