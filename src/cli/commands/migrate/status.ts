import { ExitCode } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { MIGRATE_OPTIONS, stringOption } from './apply.ts';

/** Exits with the drift code when applied files changed or vanished, so a boot gate can use it. */
export default defineCommand({
  name: 'migrate status',
  summary: 'show applied and pending migrations; exit code 5 on schema drift',
  options: MIGRATE_OPTIONS,
  async run(context) {
    const { out } = context;
    const [{ chooseDatabaseUrl }, { acceptChangeSql, hasDrift, SchemaDriftError }, { migrationStatus }] = await Promise.all([
      import('../../../migrate/database-url.ts'),
      import('../../../migrate/drift.ts'),
      import('../../../migrate/status.ts'),
    ]);
    const choice = chooseDatabaseUrl(stringOption(context.options['database-url']), context.env);
    if (choice.passwordInArgv) out.warn('a password in --database-url is visible to other users of this machine (ps); prefer DATABASE_URL');
    const status = await migrationStatus({
      dir: stringOption(context.options.dir) ?? './migrations',
      cwd: context.cwd,
      databaseUrl: choice.url,
      urlSource: choice.source,
    });
    const drifted = hasDrift(status.drift);
    out.result({ ok: !drifted, ...status });
    const width = Math.max(10, ...status.applied.map((a) => a.name.length), ...status.pending.map((p) => p.length)) + 2;
    for (const entry of status.applied) {
      const state = entry.state === 'ok' ? out.paint('green', 'applied') : out.paint('red', entry.state === 'changed' ? 'CHANGED' : 'MISSING');
      out.print(`${entry.name.padEnd(width)}${state}  ${entry.appliedAt}`);
    }
    for (const name of status.pending) out.print(`${name.padEnd(width)}${out.paint('yellow', 'pending')}`);
    out.print(`${status.applied.length} applied, ${status.pending.length} pending`);
    if (drifted) {
      const error = new SchemaDriftError(status.drift);
      out.error(error.message);
      if (error.hint) out.info(`${out.paint('gray', 'hint')}  ${error.hint}`);
      if (status.changedChecksums.length) {
        out.info('To accept an intentional edit (only if the database already matches the file as it is now), run as the app role:');
        for (const { name, checksum } of status.changedChecksums) out.info(`  ${acceptChangeSql(name, checksum)}`);
      }
      return ExitCode.drift;
    }
  },
});
