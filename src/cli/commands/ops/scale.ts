import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { loadProject, REQUIRED_ENV_OPTION, requireEnvironment, unknownApp } from '../../project.ts';
import { CHANGE_OPTIONS, releaseAndReport } from '../../release-change.ts';

export default defineCommand({
  name: 'scale',
  summary: 'set how many pods a process runs, as a recorded release that later deploys keep',
  args: 'APP[/PROCESS]=N...',
  description:
    "APP=N scales the app's web process (or its only one). The count is kept in the cluster (ConfigMap berth.scale.APP) and wins over the config file's replicas until `berth scale APP/PROCESS=config`; `berth rollback` puts the count back too. An autoscaled process (hpa) or a singleton cannot be scaled this way.",
  options: { env: REQUIRED_ENV_OPTION, ...CHANGE_OPTIONS },
  examples: ['berth scale web=4 --env production', 'berth scale web/worker=0 --env staging', 'berth scale web=config --env production'],
  async run(context) {
    if (context.positionals.length === 0) throw new UsageError('berth scale takes APP[/PROCESS]=N', { hint: 'berth scale web/worker=3 [--env ENV]' });
    const loaded = await loadProject(context);
    const environment = requireEnvironment(loaded, context.options.env, 'scale');
    const { resolveEnvironment } = await import('../../../config/resolve.ts');
    const apps = resolveEnvironment(loaded.config, environment).apps;
    const replicas: Record<string, number | null> = {};
    let app: string | undefined;
    for (const arg of context.positionals) {
      const match = /^([^/=]+)(?:\/([^=]+))?=(\d+|config)$/.exec(arg);
      if (!match) throw new UsageError(`"${arg}" is not APP[/PROCESS]=N`, { hint: 'berth scale web=3, berth scale web/worker=0, berth scale web=config' });
      const [, name, processName, count] = match;
      if (app && name !== app)
        throw new UsageError(`Scale one app at a time (${app} and ${name})`, { hint: 'Each app gets its own release: run berth scale once per app.' });
      app = name!;
      const found = apps.find((a) => a.name === app);
      if (!found)
        throw unknownApp(
          app,
          environment,
          apps.map((a) => a.name),
        );
      const process = processName ? found.processes.find((p) => p.name === processName) : (found.processes.find((p) => p.name === 'web') ?? found.processes[0]);
      if (!process)
        throw new UsageError(`${app} has no process "${processName}"`, { hint: `${app}'s processes: ${found.processes.map((p) => p.name).join(', ')}.` });
      const n = count === 'config' ? null : Number(count);
      if (process.hpa && n !== null)
        throw new UsageError(`${app}/${process.name} is autoscaled (hpa ${process.hpa.min}-${process.hpa.max})`, {
          hint: 'Change its hpa min and max in the config instead.',
        });
      if (process.singleton && n !== null && n > 1)
        throw new UsageError(`${app}/${process.name} is a singleton: it must never run twice`, { hint: 'Scale it to 0 or 1.' });
      if (n !== null && n > 100) throw new UsageError(`${arg}: ${n} pods is more than berth scales to (100)`);
      replicas[process.name] = n;
    }
    const what = `scale ${context.positionals.join(' ')}`;
    return releaseAndReport(context, loaded, environment, { app: app!, kind: 'scale', replicas }, what);
  },
});
