import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'diagnose',
  summary: "explain in plain words why an app's pods are not healthy, with events and log lines",
  args: 'APP',
  options: { env: ENV_OPTION },
  examples: ['berth diagnose web --env production'],
  async run(context) {
    const { out } = context;
    const app = context.positionals[0];
    if (!app) throw new UsageError('berth diagnose takes an app name', { hint: 'berth diagnose APP [--env ENV]' });
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, context.options.env);
    const [{ diagnoseApp }, { formatDiagnosis }] = await Promise.all([import('../../../deploy/operate.ts'), import('../../../deploy/diagnose.ts')]);
    const { processes, lastRelease } = await diagnoseApp({ config: loaded.config, environment, kubeconfig: context.env.KUBECONFIG }, app);
    const healthy = processes.every((p) => p.state === 'healthy');
    out.result({
      ok: healthy,
      app,
      environment,
      processes,
      lastRelease: lastRelease && { revision: lastRelease.revision, result: lastRelease.result, diagnosis: lastRelease.diagnosis },
    });
    const paint = out.paint.bind(out);
    for (const p of processes) {
      const mark = p.state === 'healthy' ? paint('green', '✓') : p.state === 'progressing' ? paint('yellow', '…') : paint('red', '✗');
      out.print(`${mark} ${app}${p.process === 'web' ? '' : `/${p.process}`}: ${p.state} (${p.detail})`);
      if (p.diagnosis) out.print(formatDiagnosis(p.diagnosis, paint));
    }
    if (lastRelease && lastRelease.result !== 'succeeded' && lastRelease.diagnosis) {
      out.print('');
      out.print(
        `The last release, r${lastRelease.revision}, ${lastRelease.result === 'failed' ? 'failed' : 'was interrupted'}${lastRelease.rolledBackBy ? ` and was rolled back (r${lastRelease.rolledBackBy})` : ''}:`,
      );
      out.print(formatDiagnosis(lastRelease.diagnosis, paint));
    }
    if (healthy) out.print(`${app} is healthy in ${environment}.`);
    return healthy ? undefined : 1;
  },
});
