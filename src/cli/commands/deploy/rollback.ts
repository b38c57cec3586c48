import { ExitCode, UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { parseDuration } from '../../duration.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'rollback',
  summary: 'put an earlier release of an app back exactly (images, env, secrets, objects) and watch it',
  args: 'APP',
  description:
    'Without --to, goes back to the release before the current one. The rollback is itself a new release, so `berth rollback APP --to N` can go forward again. It does not undo database migrations.',
  options: {
    env: ENV_OPTION,
    to: { type: 'string', value: 'REV', description: 'the revision to put back (see berth history)' },
    timeout: { type: 'string', value: 'DURATION', description: 'deadline for the rollout (default 5m)' },
    'lock-wait': { type: 'string', value: 'DURATION', description: 'wait this long for a deploy in progress (default: fail at once)' },
    message: { type: 'string', short: 'm', value: 'TEXT', description: 'recorded with the release' },
  },
  examples: ['berth rollback web --env production', 'berth rollback web --to 41 --env production'],
  async run(context) {
    const { out, options } = context;
    const app = context.positionals[0];
    if (!app) throw new UsageError('berth rollback takes an app name', { hint: 'berth rollback APP [--to REV] [--env ENV]' });
    const to = options.to === undefined ? undefined : Number(options.to.replace(/^r/, ''));
    if (to !== undefined && !(Number.isInteger(to) && to > 0)) throw new UsageError(`--to must be a revision number such as 41 or r41, not "${options.to}"`);
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, options.env);
    const [{ rollback }, { DeployReporter }, { formatDiagnosis }] = await Promise.all([
      import('../../../deploy/operate.ts'),
      import('../../deploy-output.ts'),
      import('../../../deploy/diagnose.ts'),
    ]);
    const reporter = new DeployReporter(out, out.stderr);
    const result = await rollback({
      config: loaded.config,
      environment,
      kubeconfig: context.env.KUBECONFIG,
      app,
      to,
      timeoutMs: parseDuration(options.timeout, 'timeout', 5 * 60_000),
      lockWaitMs: parseDuration(options['lock-wait'], 'lock-wait', 0),
      message: options.message,
      command: `berth rollback ${app}${to ? ` --to ${to}` : ''} --env ${environment}`,
      signal: context.signal,
      emit: reporter.emit,
    });
    reporter.finish();
    out.resultLine({ ok: result.ok, app, environment, revision: result.release.revision, rollbackOf: result.to.revision, from: result.from?.revision });
    if (result.ok) {
      out.print(`${out.paint('green', '✓')} ${app} is back on r${result.to.revision} (${result.to.tag}) as r${result.release.revision}`);
      out.print('Database migrations applied since are not undone.');
      if (result.from) out.print(`To undo this rollback: berth rollback ${app} --to ${result.from.revision} --env ${environment}`);
      return;
    }
    out.print(`${out.paint('red', '✗')} ${app} r${result.release.revision} (a copy of r${result.to.revision}) did not become healthy`);
    if (result.release.diagnosis) out.print(formatDiagnosis(result.release.diagnosis, out.paint.bind(out)));
    return ExitCode.failure;
  },
});
