import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION } from '../../project.ts';
import { backupTarget, formatAge, formatBytes, printTable, STORE_DIR_OPTION } from './common.ts';

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
    const { listBackups } = await import('../../../backup/listing.ts');
    const backups = await listBackups({
      store: await target.store(),
      app: target.app,
      environment: target.environment,
      identity: target.identity,
      adminUrl: target.adminUrl,
      warn: (m) => context.out.warn(m),
    });
    const now = new Date();
    if (format === 'json') {
      context.out.write(`${JSON.stringify({ app: target.app, environment: target.environment, backups }, null, 2)}\n`);
      return;
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
        b.verifiedAt ? `${formatAge(new Date(b.verifiedAt), now)} ago${b.restoreTestedAt ? ' +restore' : ''}` : '-',
        b.compatibility,
        b.reason ?? '-',
        b.problem ?? (b.failure ? `${b.failure.code}: ${b.failure.message}`.slice(0, 80) : ''),
      ]),
    ]);
  },
});
