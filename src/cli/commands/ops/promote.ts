import { ExitCode, UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { databaseEnsurer, webhookReader } from '../../deploy-hooks.ts';
import { formatDuration, parseDuration } from '../../duration.ts';
import { loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'promote',
  summary: 'deploy to one environment exactly the build that runs healthy in another (by image digest), with its own config',
  args: '[APP...]',
  description:
    "Every app enabled in both environments when none are named. The build is pinned by the image digest the source's pods report (tag@sha256:…), so a tag moved since cannot slip in; where the cluster reports no digest, the running tag is used and berth says so. Refuses when an app is not healthy in the source or the source is being deployed. Each release records where its build came from. Exit codes as berth deploy.",
  options: {
    from: { type: 'string', value: 'ENV', description: 'the environment whose build to promote (required)' },
    to: { type: 'string', value: 'ENV', description: 'the environment to deploy it to (required)' },
    timeout: { type: 'string', value: 'DURATION', description: 'deadline per rollout (default 5m)' },
    'lock-wait': { type: 'string', value: 'DURATION', description: 'wait this long for a deploy of the target (default: fail at once)' },
  },
  examples: ['berth promote --from staging --to production', 'berth promote web --from staging --to production'],
  async run(context) {
    const { out, options } = context;
    if (!options.from || !options.to)
      throw new UsageError('berth promote needs --from and --to', { hint: 'berth promote --from staging --to production [APP…]' });
    const loaded = await loadProject(context);
    const from = pickEnvironment(loaded, options.from);
    const to = pickEnvironment(loaded, options.to);
    const [{ promote }, { DeployReporter }, { describeOutcome }] = await Promise.all([
      import('../../../ops/promote.ts'),
      import('../../deploy-output.ts'),
      import('../../../deploy/run.ts'),
    ]);
    const reporter = new DeployReporter(out, out.stderr);
    const started = Date.now();
    const { builds, result } = await promote({
      config: loaded.config,
      from,
      to,
      apps: context.positionals,
      kubeconfig: context.env.KUBECONFIG,
      timeoutMs: parseDuration(options.timeout, 'timeout', 5 * 60_000),
      lockWaitMs: parseDuration(options['lock-wait'], 'lock-wait', 0),
      command: ['berth promote', ...context.positionals, '--from', from, '--to', to].join(' '),
      ensureDatabase: databaseEnsurer(context, loaded, to),
      webhook: webhookReader(context, loaded),
      signal: context.signal,
      emit: reporter.emit,
    });
    reporter.finish();
    const failed = result.apps.filter((a) => a.outcome === 'failed' || a.outcome === 'rolled-back');
    out.resultLine({ ok: failed.length === 0 && !result.interrupted, from, to, builds, apps: result.apps });
    for (const [app, build] of Object.entries(builds)) {
      if (!build.pinnedByDigest) out.warn(`${app}: ${from}'s pods report no image digest; promoted the tag as it runs (${build.image})`);
    }
    for (const outcome of result.apps) {
      const mark = outcome.outcome === 'deployed' ? out.paint('green', '✓') : outcome.outcome === 'unchanged' ? out.paint('gray', '·') : out.paint('red', '✗');
      const build = builds[outcome.app];
      out.print(`${mark} ${describeOutcome(outcome)}${build ? ` · from ${from}${build.revision ? ` r${build.revision}` : ''}` : ''}`);
    }
    out.print(out.paint('gray', `${from} → ${to} in ${formatDuration(Date.now() - started)}`));
    if (result.interrupted) return ExitCode.interrupted;
    if (failed.some((a) => a.outcome === 'rolled-back')) return ExitCode.deployFailed;
    if (failed.length) return ExitCode.failure;
  },
});
