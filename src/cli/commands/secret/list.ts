import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'secret list',
  summary: "an app's secrets: names, a short hash of each value, and whether the current release runs it (never the values)",
  args: 'APP',
  options: { env: ENV_OPTION },
  examples: ['berth secret list web --env production'],
  async run(context) {
    const app = context.positionals[0];
    if (!app) throw new UsageError('berth secret list takes an app name', { hint: 'berth secret list APP [--env ENV]' });
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, context.options.env);
    const [{ listSecrets }, { table }] = await Promise.all([import('../../../ops/runtime-config.ts'), import('../../table.ts')]);
    const { rows, current, missing } = await listSecrets({ config: loaded.config, environment, kubeconfig: context.env.KUBECONFIG }, app);
    const { out } = context;
    out.result({ ok: missing.length === 0, app, environment, release: current?.revision ?? null, secrets: rows, missing });
    const release = current ? `r${current.revision}` : 'no release yet';
    const lines = table([
      ['KEY', 'HASH', 'RELEASE'],
      ...rows.map((r) => [
        r.key,
        r.hash,
        `${r.running ? `${release} runs it` : current ? out.paintOut('yellow', `changed since ${release}`) : release}${r.declared ? '' : out.paintOut('gray', ' (not in secrets: unused)')}`,
      ]),
      ...missing.map((key) => [key, '-', out.paintOut('red', `missing: berth secret set ${app} ${key} --env ${environment}`)]),
    ]);
    for (const [i, line] of lines.entries()) out.print(i === 0 ? out.paintOut('gray', line) : line);
    return missing.length ? 1 : undefined;
  },
});
