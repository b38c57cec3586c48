import { ExitCode, UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment, unknownApp } from '../../project.ts';

export default defineCommand({
  name: 'run',
  summary: "run a command once in the app's image with its env and secrets; its output streamed, its exit code passed through",
  args: 'APP -- CMD...',
  description:
    "A one-off Job from the running release of the process (image, env, pinned config and secrets; no probes, no migration), deleted when it ends (also on Ctrl-C). berth exits with the command's exit code. --tag runs another build of the app's image, e.g. a migration of the build about to be deployed.",
  options: {
    env: ENV_OPTION,
    process: { type: 'string', short: 'p', value: 'PROCESS', description: 'whose pod template to use (default web, or the only process)' },
    tag: { type: 'string', short: 't', value: 'TAG', description: "another tag of the app's image" },
  },
  examples: ['berth run web -- rails db:seed', 'berth run api --env production -- node scripts/report.js', 'berth run web --tag 3f9c2ab -- npm run migrate'],
  async run(context) {
    const [app, ...command] = context.positionals;
    if (!app || command.length === 0) throw new UsageError('berth run takes an app and a command', { hint: 'berth run APP [--process P] -- CMD…' });
    const { out, options } = context;
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, options.env);
    const [{ resolveEnvironment }, { connectCluster }, oneOff, { withTag }, { closeTransport }] = await Promise.all([
      import('../../../config/resolve.ts'),
      import('../../../cluster/connect.ts'),
      import('../../../ops/one-off.ts'),
      import('../../../config/image-ref.ts'),
      import('../../../cluster/http.ts'),
    ]);
    const resolved = resolveEnvironment(loaded.config, environment);
    const found = resolved.apps.find((a) => a.name === app);
    if (!found)
      throw unknownApp(
        app,
        environment,
        resolved.apps.map((a) => a.name),
      );
    const process = options.process
      ? found.processes.find((p) => p.name === options.process)
      : (found.processes.find((p) => p.name === 'web') ?? found.processes[0]);
    if (!process)
      throw new UsageError(`${app} has no process "${options.process}"`, { hint: `${app}'s processes: ${found.processes.map((p) => p.name).join(', ')}.` });
    const cluster = connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG });
    try {
      const deployment = await oneOff.readDeployment(cluster, resolved.namespace, process.objectName);
      if (!deployment) throw new UsageError(`${app}/${process.name} is not deployed in ${environment}`, { hint: `berth deploy ${app} --env ${environment}` });
      const current = (deployment.spec?.template?.spec?.containers[0]?.image ?? found.image).replace(/@sha256:[0-9a-f]+$/, '');
      const job = oneOff.oneOffJob(deployment, {
        app,
        process: process.name,
        command,
        image: options.tag ? withTag(current, options.tag) : undefined,
        suffix: oneOff.runSuffix(),
      });
      out.info(
        out.paint('gray', `running \`${command.join(' ')}\` with ${app}/${process.name}'s image, env and secrets in ${environment} (Job ${job.metadata.name})`),
      );
      const run = await oneOff.runJob(cluster, job, {
        signal: context.signal,
        cleanup: true,
        onLine: (line) => out.write(`${line.text}\n`),
        onStatus: () => undefined,
      });
      out.resultLine({ ok: run.exitCode === 0, app, environment, job: run.job, exitCode: run.exitCode, result: run.result });
      if (run.result === 'interrupted') return ExitCode.interrupted;
      if (run.exitCode !== 0) out.info(out.paint('red', `exited with code ${run.exitCode}${run.reason && run.reason !== 'Error' ? ` (${run.reason})` : ''}`));
      return run.exitCode;
    } finally {
      await closeTransport(cluster);
    }
  },
});
