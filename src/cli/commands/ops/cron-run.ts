import { ExitCode } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'cron run',
  summary: 'run a cron task now, watched, its output streamed and its exit code passed through',
  args: 'APP/TASK',
  description:
    "A Job from the task's CronJob, as `kubectl create job --from=cronjob/…` makes it (owned by the CronJob, so `berth status` shows it as the task's last run). berth exits with the task's exit code.",
  options: { env: ENV_OPTION },
  examples: ['berth cron run web/nightly --env production'],
  async run(context) {
    const { out } = context;
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, context.options.env);
    const [{ resolveEnvironment }, { connectCluster }, oneOff, { closeTransport }] = await Promise.all([
      import('../../../config/resolve.ts'),
      import('../../../cluster/connect.ts'),
      import('../../../ops/one-off.ts'),
      import('../../../cluster/http.ts'),
    ]);
    const resolved = resolveEnvironment(loaded.config, environment);
    const { app, task, cronJob: name } = oneOff.parseTask(context.positionals[0], resolved.apps);
    const cluster = connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG });
    try {
      const cronJob = await oneOff.readCronJob(cluster, resolved.namespace, name);
      if (!cronJob) {
        const { UsageError } = await import('../../../errors.ts');
        throw new UsageError(`${app}/${task} is not deployed in ${environment} (no CronJob ${name})`, { hint: `berth deploy ${app} --env ${environment}` });
      }
      const job = oneOff.cronRunJob(cronJob, oneOff.runSuffix());
      out.info(out.paint('gray', `running ${app}/${task} now in ${environment} (Job ${job.metadata.name})`));
      const run = await oneOff.runJob(cluster, job, { signal: context.signal, cleanup: false, onLine: (line) => out.write(`${line.text}\n`) });
      out.resultLine({ ok: run.exitCode === 0, app, task, environment, job: run.job, exitCode: run.exitCode, result: run.result });
      if (run.result === 'interrupted') return ExitCode.interrupted;
      out.info(run.exitCode === 0 ? out.paint('green', `${app}/${task} succeeded`) : out.paint('red', `${app}/${task} failed with exit code ${run.exitCode}`));
      return run.exitCode;
    } finally {
      await closeTransport(cluster);
    }
  },
});
