import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { loadProject, REQUIRED_ENV_OPTION, requireEnvironment, unknownApp } from '../../project.ts';
import { CHANGE_OPTIONS, releaseAndReport } from '../../release-change.ts';

export default defineCommand({
  name: 'restart',
  summary: 'roll the pods of an app (or one process) as a new release, watched like a deploy',
  args: 'APP[/PROCESS]',
  description:
    'A rolling restart: new pods start and become ready before the old ones stop (RollingUpdate), recorded as a release of kind restart and watched with the deploy verdict; if the new pods fail, the app is rolled back. Nothing else changes: the running image tag, env and secrets stay.',
  options: { env: REQUIRED_ENV_OPTION, ...CHANGE_OPTIONS },
  examples: ['berth restart web --env production', 'berth restart web/worker --env staging'],
  async run(context) {
    const arg = context.positionals[0];
    if (!arg) throw new UsageError('berth restart takes APP or APP/PROCESS', { hint: 'berth restart web/worker [--env ENV]' });
    const [app, process] = arg.split('/');
    const loaded = await loadProject(context);
    const environment = requireEnvironment(loaded, context.options.env, 'restart');
    const { resolveEnvironment } = await import('../../../config/resolve.ts');
    const found = resolveEnvironment(loaded.config, environment).apps.find((a) => a.name === app);
    if (!app || !found)
      throw unknownApp(
        app ?? '',
        environment,
        resolveEnvironment(loaded.config, environment).apps.map((a) => a.name),
      );
    if (process && !found.processes.some((p) => p.name === process)) {
      throw new UsageError(`${app} has no process "${process}"`, { hint: `${app}'s processes: ${found.processes.map((p) => p.name).join(', ')}.` });
    }
    return releaseAndReport(context, loaded, environment, { app, kind: 'restart', process }, `restart ${arg}`);
  },
});
