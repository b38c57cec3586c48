import { dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { BerthError, UsageError } from '../../../errors.ts';
import { databaseSecretName } from '../../../model/names.ts';
import { defineCommand, type CommandContext } from '../../command.ts';
import { REQUIRED_ENV_OPTION } from '../../project.ts';
import { dbTarget } from './common.ts';

/** Drops after the user types the app name, or with `--yes APP` (the name again, so a stray --yes in a script cannot drop the wrong app). */
export default defineCommand({
  name: 'db drop',
  summary: "drop an app's database, role and Secret (asks you to type the app name)",
  args: 'APP',
  options: {
    env: REQUIRED_ENV_OPTION,
    yes: { type: 'string', value: 'APP', description: 'confirm without a prompt by naming the app again' },
    force: { type: 'boolean', description: 'drop even while Deployments of the app run (terminates their sessions)' },
    'skip-backup': { type: 'boolean', description: 'drop without taking a final backup first' },
  },
  examples: ['berth db drop old-api --env staging', 'berth db drop old-api --env staging --yes old-api'],
  async run(context) {
    const target = await dbTarget(context, 'drop', { requireDatabase: false, explicitEnvironment: true });
    const { out } = context;
    const what = `database ${target.identity.database} and role ${target.identity.role} of ${target.app} in ${target.environment}`;
    const { loaded } = target;
    const skipBackup = context.options['skip-backup'] === true;
    if (!loaded.config.backups && !skipBackup) {
      out.warn('no backup is taken before dropping: no backup store is configured (backups.store). Take one yourself (pg_dump) if you may need the data.');
    }
    const yes = context.options.yes;
    if (typeof yes === 'string') {
      if (yes !== target.app)
        throw new UsageError(`--yes ${yes} does not match the app ${target.app}`, { hint: `berth db drop ${target.app} --yes ${target.app}` });
    } else {
      if (!context.stdin.isTTY || out.json) {
        throw new UsageError(`Refusing to drop the ${what} without confirmation`, { hint: `Run it in a terminal, or pass --yes ${target.app}.` });
      }
      const answer = await ask(context, `Type the app name (${target.app}) to drop the ${what}: `);
      if (answer.trim() !== target.app) throw new BerthError('Not confirmed; nothing was dropped');
    }
    const { dropAppDatabase } = await import('../../../db/drop.ts');
    let backup: string | undefined;
    if (loaded.config.backups && !skipBackup) backup = await finalBackup(context, target);
    const result = await dropAppDatabase({
      identity: target.identity,
      namespace: target.namespace,
      adminUrl: await target.adminUrl(),
      cluster: await target.cluster(),
      force: context.options.force === true,
    });
    const secret = databaseSecretName({ name: target.app });
    out.result({ ok: true, ...result, backup: backup ?? null });
    if (backup)
      out.print(
        `Final backup ${backup} taken and verified (berth backup restore ${target.app} ${backup} --env ${target.environment} --to-database NAME brings it back)`,
      );
    out.print(
      result.databaseDropped
        ? `Dropped database ${result.database}${result.terminatedSessions ? ` (terminated ${result.terminatedSessions} open session${result.terminatedSessions === 1 ? '' : 's'})` : ''}`
        : `Database ${result.database} did not exist`,
    );
    out.print(result.roleDropped ? `Dropped role ${target.identity.role}` : `Role ${target.identity.role} did not exist`);
    out.print(result.secretDeleted ? `Deleted Secret ${target.namespace}/${secret}` : `Secret ${target.namespace}/${secret} did not exist`);
  },
});

/** A verified backup of the database about to be dropped; any failure stops the drop. */
async function finalBackup(context: CommandContext, target: Awaited<ReturnType<typeof dbTarget>>): Promise<string | undefined> {
  const adminUrl = await target.adminUrl();
  const { databaseExists } = await import('../../../db/exists.ts');
  if (!(await databaseExists(adminUrl, target.identity.database))) return undefined;
  const [{ backupSettings }, { openStore }, { createBackup }, { verifyBackup }] = await Promise.all([
    import('../../../config/backup-settings.ts'),
    import('../../../backup/open-store.ts'),
    import('../../../backup/dump.ts'),
    import('../../../backup/verify.ts'),
  ]);
  const { loaded } = target;
  const settings = backupSettings(loaded.config, target.app, target.environment);
  const store = await openStore(settings.store, {
    configDir: dirname(loaded.file),
    env: context.env,
    namespace: target.namespace,
    cluster: target.cluster,
  });
  context.out.info(`Taking a final backup of ${target.identity.database} to ${store.description}…`);
  try {
    const meta = await createBackup({
      app: target.app,
      environment: target.environment,
      source: { url: adminUrl, label: 'the admin connection', database: target.identity.database, role: target.identity.role },
      store,
      reason: 'pre-drop',
      compression: settings.compression,
      signal: context.signal,
    });
    return (await verifyBackup({ store, meta, signal: context.signal })).id;
  } catch (error) {
    throw new BerthError(`The final backup failed, so nothing was dropped: ${(error as Error).message}`, {
      exitCode: (error as BerthError).exitCode,
      hint: 'Fix the backup (berth backup create shows the same problem), or pass --skip-backup to drop without one.',
    });
  }
}

async function ask(context: CommandContext, question: string): Promise<string> {
  const rl = createInterface({ input: context.stdin, output: process.stderr });
  try {
    return await rl.question(question, { signal: context.signal });
  } finally {
    rl.close();
  }
}
