import { ExitCode } from '../../../errors.ts';
import { type CommandContext, defineCommand } from '../../command.ts';
import { formatDuration, parseDuration } from '../../duration.ts';
import { parseTagFlags } from '../../tag-flags.ts';
import { ENV_OPTION, loadProject, pickEnvironment, stringList } from '../../project.ts';

export default defineCommand({
  name: 'deploy',
  summary: 'apply a release, watch it roll out, and roll back the whole release if it fails',
  args: '[APP...]',
  description:
    'All apps of the environment when none are named. Apps without --tag keep the tag running now. A failed app is rolled back on its own to its previous release (images, env, secrets and objects) and the deploy exits 6; the others keep their new release. Exit codes: 0 healthy, 1 failed without a rollback, 4 the environment is locked by another deploy, 6 failed and rolled back, 130 interrupted.',
  options: {
    env: ENV_OPTION,
    tag: { type: 'string', short: 't', multiple: true, value: '[APP=]TAG', description: 'image tag, for all apps or one app (repeatable)' },
    timeout: {
      type: 'string',
      value: 'DURATION',
      description: "berth's own deadline per rollout (default: the slowest health.startupTimeout + 1m, at least 5m)",
    },
    'no-rollback': { type: 'boolean', description: 'leave a failed release in place instead of rolling it back' },
    'dry-run': { type: 'boolean', description: 'server-side dry run: print what would change, change nothing' },
    'lock-wait': { type: 'string', value: 'DURATION', description: 'wait this long for another deploy of the environment (default: fail at once)' },
    message: { type: 'string', short: 'm', value: 'TEXT', description: 'recorded with the release' },
    'git-sha': { type: 'string', value: 'SHA', description: 'recorded with the release' },
    restart: { type: 'boolean', description: 'roll the pods even when nothing changed (a moving tag such as :latest)' },
    'force-conflicts': { type: 'boolean', description: 'take back fields someone changed by hand (kubectl edit)' },
    'skip-backup': { type: 'boolean', description: 'no backup of the database before a release that runs migrations' },
    'store-dir': { type: 'string', value: 'DIR', description: 'where a PVC or NFS backup store is mounted on this machine (for the pre-migration backup)' },
  },
  examples: [
    'berth deploy --env staging --tag 3f9c2ab',
    'berth deploy api --env production --tag prod-20260301.4 -m "new checkout"',
    'berth deploy --dry-run --env production',
    'berth deploy --json --env staging --tag "$GITHUB_SHA" > deploy.ndjson',
  ],
  async run(context) {
    const { out, options } = context;
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, options.env);
    const apps = context.positionals;
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout, 'timeout', 0);
    const lockWaitMs = parseDuration(options['lock-wait'], 'lock-wait', 0);
    const [{ deploy, describeOutcome }, { DeployReporter }] = await Promise.all([import('../../../deploy/run.ts'), import('../../deploy-output.ts')]);
    const selected = apps.length ? apps : Object.keys(loaded.config.apps);
    const { tags, defaultTag } = parseTagFlags(stringList(options.tag), selected);
    const reporter = new DeployReporter(out, out.stderr);
    const started = Date.now();
    const result = await deploy({
      config: loaded.config,
      environment,
      apps,
      tags,
      defaultTag,
      timeoutMs,
      rollback: !options['no-rollback'],
      dryRun: options['dry-run'] === true,
      lockWaitMs,
      restart: options.restart === true,
      forceConflicts: options['force-conflicts'] === true,
      message: options.message,
      gitSha: options['git-sha'],
      command: ['berth deploy', ...apps, '--env', environment, ...stringList(options.tag).flatMap((t) => ['--tag', t])].join(' '),
      kubeconfig: context.env.KUBECONFIG,
      ensureDatabase: loaded.config.database ? databaseEnsurer(context, loaded, environment) : undefined,
      webhook: loaded.config.notifications ? () => readWebhook(context, loaded) : undefined,
      backupBeforeMigrate: options['skip-backup'] ? undefined : preMigrationBackup(context, loaded, environment, options['store-dir']),
      signal: context.signal,
      emit: reporter.emit,
    });
    reporter.finish();

    if (result.dryRun) {
      const { changes } = result.dryRun;
      out.resultLine({ ok: true, dryRun: true, environment, changes });
      if (changes.length === 0) out.print(`Nothing would change in ${environment}.`);
      for (const change of changes) {
        out.print(
          `${change.action === 'create' ? out.paint('green', '+ create') : change.action === 'delete' ? out.paint('red', '- delete') : out.paint('yellow', '~ update')} ${change.object}`,
        );
        for (const field of change.fields.slice(0, 20)) out.print(`    ${field.path}: ${show(field.before)} → ${show(field.after)}`);
        if (change.fields.length > 20) out.print(`    … ${change.fields.length - 20} more fields`);
      }
      return;
    }

    const failed = result.apps.filter((a) => a.outcome === 'failed' || a.outcome === 'rolled-back');
    const ok = failed.length === 0 && !result.interrupted;
    out.resultLine({ ok, environment, namespace: result.namespace, interrupted: result.interrupted, durationMs: Date.now() - started, apps: result.apps });
    for (const outcome of result.apps) {
      const mark = outcome.outcome === 'deployed' ? out.paint('green', '✓') : outcome.outcome === 'unchanged' ? out.paint('gray', '·') : out.paint('red', '✗');
      out.print(`${mark} ${describeOutcome(outcome)}`);
    }
    const rolledBack = result.apps.filter((a): a is Extract<typeof a, { outcome: 'rolled-back' }> => a.outcome === 'rolled-back');
    if (rolledBack.length) {
      out.print('');
      out.print('A rollback does not undo database migrations the failed release already applied.');
      for (const r of rolledBack) {
        if (r.backup) out.print(`If they did harm, restore the backup taken before them: berth backup restore ${r.app} ${r.backup} --env ${environment}`);
        out.print(`To go forward to the failed release anyway: berth rollback ${r.app} --to ${r.failedRevision} --env ${environment}`);
      }
    }
    if (result.apps.every((a) => a.outcome === 'unchanged')) out.print(`Nothing changed in ${environment}; pass --restart to roll the pods anyway.`);
    else out.print(out.paint('gray', `${environment} in ${formatDuration(Date.now() - started)}`));
    if (result.interrupted) return ExitCode.interrupted;
    if (rolledBack.length) return ExitCode.deployFailed;
    if (failed.length) return ExitCode.failure;
  },
});

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

type Loaded = Awaited<ReturnType<typeof loadProject>>;

function databaseEnsurer(context: CommandContext, loaded: Loaded, environment: string) {
  return async (app: string) => {
    const [{ appTarget }, { createAppDatabase }, { CredentialMissingError }] = await Promise.all([
      import('../../../db/app-target.ts'),
      import('../../../db/provision.ts'),
      import('../../../db/credentials.ts'),
    ]);
    const target = appTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) }, environment, app);
    let adminUrl: string;
    try {
      adminUrl = await target.adminUrl();
    } catch (error) {
      // CI deploys usually have no database admin credential: deploy decides whether that is fine.
      if (error instanceof CredentialMissingError) return { database: target.identity.database, unavailable: `no database admin credential: ${error.message}` };
      throw error;
    }
    const result = await createAppDatabase({
      identity: target.identity,
      namespace: target.namespace,
      server: target.server,
      adminUrl,
      cluster: await target.cluster(),
    });
    return { database: result.database, created: result.databaseCreated };
  };
}

function preMigrationBackup(context: CommandContext, loaded: Loaded, environment: string, storeDir: string | undefined) {
  return async (app: string) => {
    const [{ appTarget }, { backupBeforeMigrate }] = await Promise.all([import('../../../db/app-target.ts'), import('../../../backup/before-migrate.ts')]);
    const target = appTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) }, environment, app);
    if (!loaded.config.backups) return { taken: false as const, reason: 'no backup store is configured (backups.store)' };
    const { CredentialMissingError } = await import('../../../db/credentials.ts');
    let adminUrl: string;
    try {
      adminUrl = await target.adminUrl();
    } catch (error) {
      // A CI deployer without the admin credential cannot dump the database; the scheduled backups still run.
      if (error instanceof CredentialMissingError) return { taken: false as const, reason: `no database admin credential here: ${error.message}` };
      throw error;
    }
    return backupBeforeMigrate({
      config: loaded.config,
      configFile: loaded.file,
      identity: target.identity,
      namespace: target.namespace,
      adminUrl,
      cluster: target.cluster,
      env: context.env,
      signal: context.signal,
      storeDir,
    });
  };
}

async function readWebhook(context: CommandContext, loaded: Loaded): Promise<string | undefined> {
  const ref = loaded.config.notifications?.slack;
  if (!ref) return undefined;
  const [{ readCredential }, { connectCluster }] = await Promise.all([import('../../../db/credentials.ts'), import('../../../cluster/connect.ts')]);
  const { dirname } = await import('node:path');
  return readCredential(ref, {
    cwd: dirname(loaded.file),
    env: context.env,
    expect: 'the Slack-compatible webhook URL',
    cluster: async () => connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG }),
  });
}
