import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION } from '../../project.ts';
import type { ContinuousBackupState } from '../../../backup/continuous.ts';
import type { CommandContext } from '../../command.ts';
import { backupTarget, formatAge, formatBytes, printTable, STORE_DIR_OPTION, type BackupTarget } from './common.ts';

export default defineCommand({
  name: 'backup list',
  summary: "an app's backups, newest first: size, age, status, verification, schema compatibility",
  args: 'APP',
  options: {
    env: ENV_OPTION,
    output: { type: 'string', short: 'o', value: 'table|json', description: 'output format (default: table)' },
    'store-dir': STORE_DIR_OPTION,
  },
  examples: ['berth backup list api --env production', 'berth backup list api -o json'],
  async run(context) {
    const format = context.options.output ?? (context.out.json ? 'json' : 'table');
    if (format !== 'table' && format !== 'json') throw new UsageError(`--output must be table or json, not "${format}"`);
    const target = await backupTarget(context, 'list');
    // CloudNativePG's continuous backup of the whole server, when configured: shown beside the
    // app's own dumps; an unreachable cluster is a warning, never a failed list.
    const server = readServerBackup(context, target).catch(() => undefined);
    const [{ listBackups }, { readDeletions }] = await Promise.all([import('../../../backup/listing.ts'), import('../../../backup/deletions.ts')]);
    const store = await target.store();
    const deleted = await readDeletions(store, target.app, target.environment);
    const backups = await listBackups({
      store,
      app: target.app,
      environment: target.environment,
      identity: target.identity,
      adminUrl: target.adminUrl,
      warn: (m) => context.out.warn(m),
    });
    const now = new Date();
    const continuous = await server;
    if (format === 'json') {
      context.out.write(
        `${JSON.stringify({ app: target.app, environment: target.environment, backups, deleted, ...(continuous ? { continuousBackup: continuous } : {}) }, null, 2)}\n`,
      );
      return;
    }
    if (continuous) {
      const { describeContinuousBackup } = await import('../../../backup/continuous.ts');
      context.out.print(describeContinuousBackup(continuous, (iso) => formatAge(new Date(iso), now)));
    }
    if (backups.length === 0) {
      context.out.print(`No backups of ${target.app} in ${target.environment} yet: berth backup create ${target.app} --env ${target.environment}`);
      return;
    }
    printTable(context, [
      ['ID', 'STATUS', 'SIZE', 'AGE', 'VERIFIED', 'SCHEMA', 'REASON', 'NOTE'],
      ...backups.map((b) => [
        b.id,
        b.status,
        formatBytes(b.bytes),
        b.startedAt ? formatAge(new Date(b.startedAt), now) : '-',
        b.verifiedAt ? `${formatAge(new Date(b.verifiedAt), now)} ago${b.restoreTestedAt ? ' +restore' : ''}${b.verifiedBy ? ` by ${b.verifiedBy}` : ''}` : '-',
        b.compatibility,
        b.reason ?? '-',
        b.problem ?? (b.failure ? `${b.failure.code}: ${b.failure.message}`.slice(0, 80) : ''),
      ]),
    ]);
    for (const d of deleted.slice(0, 3)) context.out.print(`deleted ${d.id} ${formatAge(new Date(d.at), now)} ago${d.by ? ` by ${d.by}` : ''}`);
  },
});

async function readServerBackup(context: CommandContext, target: BackupTarget): Promise<ContinuousBackupState | undefined> {
  const [{ resolveDatabase }, { readContinuousBackup }] = await Promise.all([
    import('../../../config/resolve.ts'),
    import('../../../backup/continuous-read.ts'),
  ]);
  const database = resolveDatabase(target.loaded.config.database);
  if (database?.mode !== 'cnpg' || !database.continuousBackup) return undefined;
  return readContinuousBackup(await target.cluster(), database).catch((error: Error) => {
    context.out.warn(`the server's continuous backup state is unknown: ${error.message}`);
    return undefined;
  });
}
