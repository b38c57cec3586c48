import type { EarlyReads } from '../../../deploy/early-reads.ts';
import { ExitCode } from '../../../errors.ts';
import { ioTurn, settledWithin } from '../../../io-turn.ts';
import { defineCommand } from '../../command.ts';
import { databaseEnsurer, preMigrationBackup, webhookReader } from '../../deploy-hooks.ts';
import { formatDuration, parseDuration } from '../../duration.ts';
import { peekTarget } from '../../../config/peek.ts';
import { parseTagFlags } from '../../tag-flags.ts';
import { ENV_OPTION, loadProject, pickEnvironment, stringList } from '../../project.ts';

/** How long a deploy waits for the lock's version before loading the renderer anyway (a slow or unreachable cluster). */
const ASKED_WAIT_MS = 250;

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
    // What runs and who deploys are read while zod loads and checks the config (deploy uses the
    // answers only for the same environment, namespace and context).
    let early: EarlyReads | undefined;
    let asked: Promise<void> | undefined;
    const loaded = await loadProject(context, {
      onRead: async (raw) => {
        const target = peekTarget(raw, options.env, options.context);
        if (!target) return;
        const [{ startFirstReads }, { startEarly }] = await Promise.all([import('../../../deploy/early-reads.ts'), import('../../../cluster/early.ts')]);
        early = await startEarly(target, context.env.KUBECONFIG, (cluster) => {
          const started = startFirstReads(cluster, target.namespace, target.environment);
          asked = started.asked;
          return started.reads;
        });
      },
    });
    const environment = pickEnvironment(loaded, options.env);
    const apps = context.positionals;
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout, 'timeout', 0);
    const lockWaitMs = parseDuration(options['lock-wait'], 'lock-wait', 0);
    // The lock's version in and the reads that follow it out before the renderer loads (a block of
    // the main thread): the loading then overlaps the reads instead of holding them back.
    if (early) {
      await settledWithin(asked, ASKED_WAIT_MS);
      await ioTurn();
    }
    const [{ deploy, describeOutcome }, { DeployReporter, formatChanges }] = await Promise.all([
      import('../../../deploy/run.ts'),
      import('../../deploy-output.ts'),
    ]);
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
      early,
      ensureDatabase: databaseEnsurer(context, loaded, environment),
      webhook: webhookReader(context, loaded),
      backupBeforeMigrate: options['skip-backup'] ? undefined : preMigrationBackup(context, loaded, environment, options['store-dir']),
      signal: context.signal,
      emit: reporter.emit,
    });
    reporter.finish();

    if (result.dryRun) {
      const { changes } = result.dryRun;
      out.resultLine({ ok: true, dryRun: true, environment, changes });
      if (changes.length === 0) out.print(`Nothing would change in ${environment}.`);
      for (const line of formatChanges(changes, out.paint.bind(out))) out.print(line);
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
