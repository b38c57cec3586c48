import { createInterface } from 'node:readline/promises';
import { BerthError, UsageError } from '../../../errors.ts';
import { LABEL } from '../../../model/labels.ts';
import { defineCommand, type CommandContext } from '../../command.ts';
import { REQUIRED_ENV_OPTION } from '../../project.ts';
import { backupTarget, STORE_DIR_OPTION } from './common.ts';

export default defineCommand({
  name: 'backup restore',
  summary: "restore an app's database from a backup, safely (safety backup, restore aside, atomic swap)",
  args: 'APP [BACKUP]',
  description:
    "Without BACKUP, the newest complete backup. Takes a safety backup of the live database, restores into a new database beside it, checks every row count, then swaps the two in one transaction (new connections refused, sessions terminated). The app's pods are restarted, so their migrate init container brings the schema forward. The replaced database is kept (closed to connections) until --drop-previous. A failure at any step leaves the live database as it was.",
  options: {
    env: REQUIRED_ENV_OPTION,
    yes: { type: 'boolean', description: 'do not ask for the app name' },
    'to-database': { type: 'string', value: 'NAME', description: 'restore into a new database NAME beside the live one, for inspection; nothing is swapped' },
    'drop-previous': { type: 'boolean', description: 'drop the databases earlier restores replaced, and nothing else' },
    'no-restart': { type: 'boolean', description: "do not restart the app's pods after the swap" },
    'store-dir': STORE_DIR_OPTION,
  },
  examples: [
    'berth backup restore api --env production',
    'berth backup restore api 20260301T030000Z-1a2b --to-database api_inspect',
    'berth backup restore api --drop-previous --yes',
  ],
  async run(context) {
    const target = await backupTarget(context, 'restore', { explicitEnvironment: true, extraPositional: true });
    const { out } = context;
    const adminUrl = await target.adminUrl();
    if (context.options['drop-previous']) {
      const [{ listAside }, { dropDatabase }, { PREVIOUS_PURPOSE }] = await Promise.all([
        import('../../../backup/swap.ts'),
        import('../../../backup/restore-into.ts'),
        import('../../../backup/restore.ts'),
      ]);
      const previous = await listAside(adminUrl, target.identity, PREVIOUS_PURPOSE);
      if (previous.length === 0) {
        out.print(`No previous databases of ${target.app} in ${target.environment}`);
        return;
      }
      await confirm(context, target.app, `drop ${previous.map((p) => p.name).join(', ')}`);
      for (const database of previous) await dropDatabase(adminUrl, database.name);
      out.result({ ok: true, dropped: previous.map((p) => p.name) });
      out.print(`Dropped ${previous.map((p) => p.name).join(', ')}`);
      return;
    }
    const [{ readCatalog }, { selectBackup }, { restoreBackup }] = await Promise.all([
      import('../../../backup/catalog.ts'),
      import('../../../backup/select.ts'),
      import('../../../backup/restore.ts'),
    ]);
    const store = await target.store();
    const meta = selectBackup(await readCatalog(store, target.app, target.environment), context.positionals[1], `${target.app} in ${target.environment}`, {
      skipSafety: true,
    });
    const toDatabase = context.options['to-database'];
    if (toDatabase !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(toDatabase)) {
      throw new UsageError(`--to-database ${toDatabase} is not a plain database name`, { hint: 'Lowercase letters, digits and _, at most 63.' });
    }
    if (toDatabase === undefined) {
      await confirm(context, target.app, `replace database ${target.identity.database} with backup ${meta.id} (${meta.startedAt})`);
    }
    const result = await restoreBackup({
      adminUrl,
      identity: target.identity,
      store,
      meta,
      compression: target.settings.compression,
      notifier: await target.notifier(),
      toDatabase,
      signal: context.signal,
      onProgress: (step) => {
        out.event('restore-step', { step });
        out.info(`${step}…`);
      },
    });
    let restarted: string[] = [];
    if (!toDatabase && !context.options['no-restart']) {
      const cluster = await target.cluster().catch((error: Error) => {
        out.warn(`could not restart the pods (${error.message}): restart them yourself so migrations run and connections renew`);
        return undefined;
      });
      if (cluster) {
        const { listDeployments, restartDeployments } = await import('../../../cluster/deployments.ts');
        restarted = await listDeployments(cluster, target.namespace, { [LABEL.app]: target.app });
        await restartDeployments(cluster, target.namespace, restarted, new Date());
      }
    }
    out.resultLine({ ok: true, ...result, restarted });
    if (toDatabase) {
      out.print(`Restored ${meta.id} into ${toDatabase} (row counts match); the live database was not touched`);
      return;
    }
    out.print(`Restored ${target.app} in ${target.environment} from ${meta.id} in ${(result.durationMs / 1000).toFixed(1)} s (row counts match)`);
    out.print(`  safety backup of the replaced data: ${result.safetyBackup}`);
    out.print(`  previous database kept as ${result.previous} (berth backup restore ${target.app} --env ${target.environment} --drop-previous)`);
    if (result.terminatedSessions) out.print(`  terminated ${result.terminatedSessions} open session${result.terminatedSessions === 1 ? '' : 's'}`);
    out.print(restarted.length ? `  restarted ${restarted.join(', ')}: their migrate init container runs the app's migrations` : '  no Deployments to restart');
  },
});

async function confirm(context: CommandContext, app: string, what: string): Promise<void> {
  if (context.options.yes) return;
  if (!context.stdin.isTTY || context.out.json)
    throw new UsageError(`Refusing to ${what} without confirmation`, { hint: 'Run it in a terminal, or pass --yes.' });
  const rl = createInterface({ input: context.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Type the app name (${app}) to ${what}: `, { signal: context.signal });
    if (answer.trim() !== app) throw new BerthError('Not confirmed; nothing was changed');
  } finally {
    rl.close();
  }
}
