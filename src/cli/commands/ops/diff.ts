import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment, stringList } from '../../project.ts';
import { parseTagFlags } from '../../tag-flags.ts';

export default defineCommand({
  name: 'diff',
  summary: 'what a deploy would change, object by object, from a server-side dry run (exit 1 when something would)',
  args: '[APP...]',
  description:
    'Renders the config as `berth deploy` would (running tags kept, values set with berth config/secret/scale included), asks the API server for a dry run of the apply and compares its answer with the live objects. Secret values are masked. Exit codes: 0 nothing would change, 1 something would (for CI), 2 bad input, 3 cluster unreachable.',
  options: {
    env: ENV_OPTION,
    tag: { type: 'string', short: 't', multiple: true, value: '[APP=]TAG', description: 'compare with this image tag, as deploy --tag' },
    output: { type: 'string', short: 'o', value: 'json', description: 'the changes as JSON (as --json)' },
  },
  examples: ['berth diff --env production', 'berth diff web --tag 3f9c2ab', 'berth diff -o json --env staging'],
  async run(context) {
    const { out, options } = context;
    const json = out.json || options.output === 'json';
    if (options.output !== undefined && options.output !== 'json') {
      const { UsageError } = await import('../../../errors.ts');
      throw new UsageError(`-o must be json, not "${options.output}"`);
    }
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, options.env);
    const apps = context.positionals;
    const [{ deploy }, { formatChanges }] = await Promise.all([import('../../../deploy/run.ts'), import('../../deploy-output.ts')]);
    const { tags, defaultTag } = parseTagFlags(stringList(options.tag), apps.length ? apps : Object.keys(loaded.config.apps));
    const result = await deploy({
      config: loaded.config,
      environment,
      apps,
      tags,
      defaultTag,
      timeoutMs: 0,
      rollback: false,
      dryRun: true,
      lockWaitMs: 0,
      restart: false,
      forceConflicts: false,
      command: 'berth diff',
      kubeconfig: context.env.KUBECONFIG,
      signal: context.signal,
      emit: () => undefined,
    });
    const changes = result.dryRun?.changes ?? [];
    if (json) out.write(`${JSON.stringify({ environment, namespace: result.namespace, changed: changes.length > 0, changes }, null, 2)}\n`);
    else if (changes.length === 0)
      out.print(`No differences: ${apps.length ? apps.join(', ') : environment} ${apps.length === 1 ? 'runs' : 'run'} what the config says.`);
    else for (const line of formatChanges(changes, out.paintOut.bind(out), Infinity)) out.print(line);
    return changes.length ? 1 : undefined;
  },
});
