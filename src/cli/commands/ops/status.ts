import { UsageError } from '../../../errors.ts';
import type { EnvironmentSnapshot } from '../../../ops/status.ts';
import { defineCommand } from '../../command.ts';
import { peekTarget } from '../../../config/peek.ts';
import type { Early } from '../../../cluster/early.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'status',
  summary: 'every app of an environment on one screen: release, ready pods, restarts, cron runs, the deploy lock',
  args: '[APP...]',
  description:
    'Reads the whole environment with a fixed handful of requests, however many apps it has. READY shows ready/desired pods, or `2/3 on r42 (1 old)` while pods of an older release still run. Exit code 0 when every shown app is healthy, 1 otherwise.',
  options: {
    env: ENV_OPTION,
    output: { type: 'string', short: 'o', value: 'json|yaml', description: 'print the status as JSON or YAML (as --json)' },
    watch: { type: 'boolean', short: 'w', description: 'keep the screen up to date until Ctrl-C' },
  },
  examples: ['berth status', 'berth status --env qa', 'berth status web api -o json', 'berth status --watch'],
  async run(context) {
    const { out, options } = context;
    const format = options.output ?? (out.json ? 'json' : undefined);
    if (format !== undefined && format !== 'json' && format !== 'yaml') throw new UsageError(`-o must be json or yaml, not "${format}"`);
    // The cluster client loads while the config does: both are most of the command's time.
    const modules = Promise.all([
      import('../../../config/resolve.ts'),
      import('../../../cluster/connect.ts'),
      import('../../../ops/status-read.ts'),
      import('../../../ops/status.ts'),
      import('../../status-output.ts'),
      import('../../../suggest.ts'),
      import('../../../cluster/early.ts'),
      import('../../../cluster/http.ts'),
    ]);
    // Without --watch, the reads start as soon as the config is read: the API server answers
    // while zod loads and checks the config (a tenth of a second or more on a small machine).
    let early: Early<EnvironmentSnapshot> | undefined;
    const loaded = await loadProject(context, {
      onRead: async (raw) => {
        const target = options.watch ? undefined : peekTarget(raw, options.env, options.context);
        if (!target) return;
        const [{ readEnvironment }, { startEarly }] = await Promise.all([import('../../../ops/status-read.ts'), import('../../../cluster/early.ts')]);
        early = await startEarly(target, context.env.KUBECONFIG, (cluster) => readEnvironment(cluster, target.namespace, target.environment));
      },
    });
    const environment = pickEnvironment(loaded, options.env);
    const [
      { resolveEnvironment },
      { connectCluster },
      { readEnvironment, watchEnvironment },
      { summarise },
      { formatStatus },
      { closest },
      { takeEarly },
      { closeTransport },
    ] = await modules;
    const resolved = resolveEnvironment(loaded.config, environment);
    const expected = resolved.apps.map((a) => ({
      name: a.name,
      processes: a.processes.map((p) => ({ name: p.name, objectName: p.objectName })),
      cron: a.cron.map((c) => ({ name: c.name, objectName: c.objectName })),
    }));
    const namespace = resolved.namespace;
    const reuse = await takeEarly(early, { environment, namespace, context: loaded.config.cluster?.context });
    const cluster = reuse?.cluster ?? connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG });
    const only = context.positionals;
    const paint = out.paintOut.bind(out);

    const render = async (snapshot: Awaited<ReturnType<typeof readEnvironment>>) => {
      const status = summarise(snapshot, expected, Date.now(), only);
      const missing = only.filter((app) => !status.apps.some((a) => a.app === app));
      if (missing.length) {
        const guess = closest(missing[0]!, [...Object.keys(loaded.config.apps)]);
        throw new UsageError(`No app "${missing[0]}" in ${environment}${guess ? ` — did you mean "${guess}"?` : ''}`, {
          hint: `Apps: ${Object.keys(loaded.config.apps).join(', ')}.`,
        });
      }
      if (format === 'json') return { status, text: options.watch ? `${JSON.stringify(status)}\n` : `${JSON.stringify(status, null, 2)}\n` };
      if (format === 'yaml') {
        const { dump } = await import('js-yaml');
        return { status, text: `${options.watch ? '---\n' : ''}${dump(status, { noRefs: true, skipInvalid: true })}` };
      }
      return { status, text: `${formatStatus(status, paint, Date.now()).join('\n')}\n` };
    };

    if (!options.watch) {
      const snapshot = await (reuse?.reads ?? readEnvironment(cluster, namespace, environment)).finally(() => closeTransport(cluster));
      const { status, text } = await render(snapshot);
      out.write(text);
      return status.apps.every((a) => a.state === 'healthy') ? undefined : 1;
    }
    const redraw = out.isTTY && format === undefined;
    let failure: unknown;
    const controller = new AbortController();
    const signal = AbortSignal.any([context.signal, controller.signal]);
    await watchEnvironment(cluster, namespace, environment, {
      signal,
      onSnapshot: (snapshot) => {
        render(snapshot).then(
          ({ text }) => {
            if (redraw) out.write(`\u001b[H\u001b[2J${text}${paint('gray', `watching · ${new Date().toLocaleTimeString()} · Ctrl-C to stop`)}\n`);
            else out.write(format ? text : `${paint('gray', `— ${new Date().toISOString()}`)}\n${text}`);
          },
          (error: unknown) => {
            failure = error;
            controller.abort();
          },
        );
      },
    });
    if (failure) throw failure;
  },
});
