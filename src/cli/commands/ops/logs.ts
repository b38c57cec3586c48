import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { parseDuration } from '../../duration.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'logs',
  summary: 'logs of a process, an app or every app, prefixed [app/process/pod]; -f follows rollouts and restarts',
  args: '[APP[/PROCESS]]',
  description:
    'Every line is prefixed [app/process/pod-suffix] (plus :container for init containers such as the migration), in a colour of its own per pod on a terminal. Without -f, the logs of every matching container merged in time order. With -f, it follows pods that appear during a rollout and containers that restart, resumes a dropped connection without repeating lines, and stops on Ctrl-C. A cron task is APP/TASK.',
  options: {
    env: ENV_OPTION,
    follow: { type: 'boolean', short: 'f', description: 'keep streaming, following new pods and restarted containers' },
    since: { type: 'string', value: 'DURATION', description: 'only lines newer than this (10m, 1h)' },
    tail: { type: 'string', value: 'N', description: 'start from the last N lines of each container (default: all; 10 with -f)' },
    previous: { type: 'boolean', short: 'p', description: 'the previous instance of each restarted container (why it crashed)' },
    grep: { type: 'string', short: 'g', value: 'REGEX', description: 'only lines matching this regular expression' },
    timestamps: { type: 'boolean', description: "show the kubelet's timestamp of each line" },
    'max-log-requests': { type: 'string', value: 'N', description: 'log requests at once (default 20; streams with -f, default 50)' },
  },
  examples: ['berth logs', 'berth logs web -f', 'berth logs web/worker --since 10m --grep "ERROR|WARN"', 'berth logs api --previous', 'berth logs web/nightly'],
  async run(context) {
    const { out, options } = context;
    const follow = options.follow === true;
    if (follow && options.previous)
      throw new UsageError('--previous cannot be followed: the previous instance has stopped', { hint: 'Drop -f, or --previous.' });
    const tail = options.tail === undefined ? (follow && options.since === undefined ? 10 : undefined) : count(options.tail, 'tail');
    const maxRequests = options['max-log-requests'] === undefined ? (follow ? 50 : 20) : count(options['max-log-requests'], 'max-log-requests');
    if (maxRequests < 1) throw new UsageError('--max-log-requests must be at least 1');
    const sinceSeconds = options.since === undefined ? undefined : parseDuration(options.since, 'since', 0) / 1000;
    let grep: RegExp | undefined;
    if (options.grep !== undefined) {
      try {
        grep = new RegExp(options.grep);
      } catch (error) {
        throw new UsageError(`--grep "${options.grep}" is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    const modules = Promise.all([
      import('../../../config/resolve.ts'),
      import('../../../cluster/connect.ts'),
      import('../../../ops/logs.ts'),
      import('../../../ops/logs-follow.ts'),
      import('../../log-output.ts'),
      import('../../../cluster/http.ts'),
    ]);
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, options.env);
    const [{ resolveEnvironment }, { connectCluster }, { printLogs }, { followLogs }, { LogPrinter }, { closeTransport }] = await modules;
    const resolved = resolveEnvironment(loaded.config, environment);
    const { app, process } = await selection(context.positionals[0], resolved.apps);
    const cluster = connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG });
    const printer = new LogPrinter(out, { timestamps: options.timestamps === true, follow });
    const request = {
      cluster,
      namespace: resolved.namespace,
      environment,
      app,
      process,
      follow,
      sinceSeconds,
      tail,
      previous: options.previous === true,
      grep,
      maxRequests,
      signal: context.signal,
      write: printer.line,
      notice: printer.notice,
    };
    try {
      if (follow) {
        await followLogs(request);
        return;
      }
      const printed = await printLogs(request);
      if (printed === 0) printer.nothing(`${app ? `${app}${process ? `/${process}` : ''}` : 'the apps'} in ${environment}`);
    } finally {
      await closeTransport(cluster);
    }
  },
});

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} must be a whole number, not "${value}"`);
  return n;
}

interface AppChoice {
  name: string;
  processes: { name: string }[];
  cron: { name: string }[];
}

/** `web` or `web/worker` (or `web/TASK` for a cron task) → label values, checked against the config. */
async function selection(arg: string | undefined, apps: AppChoice[]): Promise<{ app?: string; process?: string }> {
  if (!arg) return {};
  const { closest } = await import('../../../suggest.ts');
  const [app, process, extra] = arg.split('/');
  if (extra !== undefined || !app) throw new UsageError(`"${arg}" is not APP or APP/PROCESS`);
  const found = apps.find((a) => a.name === app);
  if (!found) {
    const guess = closest(
      app,
      apps.map((a) => a.name),
    );
    throw new UsageError(`No app "${app}" in this environment${guess ? ` — did you mean "${guess}"?` : ''}`, {
      hint: `Apps: ${apps.map((a) => a.name).join(', ')}.`,
    });
  }
  if (process === undefined) return { app };
  if (found.processes.some((p) => p.name === process)) return { app, process };
  if (found.cron.some((c) => c.name === process)) return { app, process: `cron-${process}` };
  // The pods of `berth run` one-off Jobs.
  if (process === 'run') return { app, process };
  const names = [...found.processes.map((p) => p.name), ...found.cron.map((c) => c.name)];
  const guess = closest(process, names);
  throw new UsageError(`${app} has no process or cron task "${process}"${guess ? ` — did you mean "${guess}"?` : ''}`, {
    hint: `${app}: ${names.join(', ')}.`,
  });
}
