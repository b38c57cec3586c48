import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'config list',
  summary: "an app's env variables and where each comes from (the config file, or berth config set)",
  args: 'APP',
  options: { env: ENV_OPTION },
  examples: ['berth config list web --env production', 'berth config list web --json'],
  async run(context) {
    const app = context.positionals[0];
    if (!app) throw new UsageError('berth config list takes an app name', { hint: 'berth config list APP [--env ENV]' });
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, context.options.env);
    const [{ listConfig }, { table }] = await Promise.all([import('../../../ops/runtime-config.ts'), import('../../table.ts')]);
    const { rows, current } = await listConfig({ config: loaded.config, environment, kubeconfig: context.env.KUBECONFIG }, app);
    const { out } = context;
    out.result({ ok: true, app, environment, release: current?.revision ?? null, variables: rows });
    if (rows.length === 0) {
      out.print(`${app} has no env variables in ${environment}.`);
      return;
    }
    const lines = table([
      ['KEY', 'VALUE', 'FROM'],
      ...rows.map((r) => [
        r.key,
        r.value,
        r.source === 'file' ? 'config file' : r.overrides ? `berth config set (over the file's ${JSON.stringify(r.overrides.value)})` : 'berth config set',
      ]),
    ]);
    for (const [i, line] of lines.entries()) out.print(i === 0 ? out.paintOut('gray', line) : line);
    if (current) out.print(out.paintOut('gray', `r${current.revision} is the current release`));
  },
});
