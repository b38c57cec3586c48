import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { loadProject, REQUIRED_ENV_OPTION, requireEnvironment } from '../../project.ts';
import { CHANGE_OPTIONS, releaseAndReport } from '../../release-change.ts';

export default defineCommand({
  name: 'config unset',
  summary: "remove env variables set with `berth config set` (the config file's value, if any, applies again): a new release",
  args: 'APP KEY...',
  options: { env: REQUIRED_ENV_OPTION, ...CHANGE_OPTIONS },
  examples: ['berth config unset web LOG_LEVEL --env staging'],
  async run(context) {
    const [app, ...keys] = context.positionals;
    if (!app || keys.length === 0) throw new UsageError('berth config unset takes an app and keys', { hint: 'berth config unset APP KEY… [--env ENV]' });
    const loaded = await loadProject(context);
    const environment = requireEnvironment(loaded, context.options.env, 'config unset');
    const { checkKey, listConfig } = await import('../../../ops/runtime-config.ts');
    for (const key of keys) checkKey(key, key);
    const { rows } = await listConfig({ config: loaded.config, environment, kubeconfig: context.env.KUBECONFIG }, app);
    for (const key of keys) {
      const row = rows.find((r) => r.key === key);
      if (row?.source === 'set') continue;
      throw new UsageError(
        row ? `${key} of ${app} comes from ${loaded.file}, not from \`berth config set\`` : `${key} is not set for ${app} in ${environment}`,
        { hint: row ? 'Remove it from the config file and deploy.' : `See the values with \`berth config list ${app} --env ${environment}\`.` },
      );
    }
    return releaseAndReport(context, loaded, environment, { app, kind: 'config', set: {}, unset: keys }, `config unset ${app} ${keys.join(' ')}`);
  },
});
