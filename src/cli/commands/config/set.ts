import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { REQUIRED_ENV_OPTION, loadProject, requireEnvironment } from '../../project.ts';
import { CHANGE_OPTIONS, releaseAndReport } from '../../release-change.ts';

export default defineCommand({
  name: 'config set',
  summary: 'set env variables of an app without editing the config file: a new release, rolled back if the pods fail',
  args: 'APP KEY=VALUE...',
  description:
    "The values live in the cluster (ConfigMap berth.env.APP) and win over the config file's env for that app and environment until `berth config unset`. The app is released as `berth deploy APP` would (its running image tag), watched, and rolled back whole if the new pods fail; the values are saved only when the release is healthy. Before the app's first release they are only saved.",
  options: { env: REQUIRED_ENV_OPTION, ...CHANGE_OPTIONS },
  examples: ['berth config set web LOG_LEVEL=debug --env staging', 'berth config set api FEATURE_X=on RATE_LIMIT=200 --env production'],
  async run(context) {
    const [app, ...assignments] = context.positionals;
    if (!app) throw new UsageError('berth config set takes an app and KEY=VALUE pairs', { hint: 'berth config set APP KEY=VALUE… [--env ENV]' });
    const loaded = await loadProject(context);
    const environment = requireEnvironment(loaded, context.options.env, 'config set');
    const { parseAssignments, fileSetting } = await import('../../../ops/runtime-config.ts');
    const set = parseAssignments(assignments, loaded.config, app);
    for (const key of Object.keys(set)) {
      const file = fileSetting(loaded.config, environment, app, key);
      if (file) {
        context.out.info(
          `${key} is also set in ${loaded.file} (${file.path} = ${JSON.stringify(file.value)}): the value set here wins in ${environment} until \`berth config unset ${app} ${key} --env ${environment}\`. To make it permanent, change it in the config file and unset it here.`,
        );
      }
    }
    return releaseAndReport(context, loaded, environment, { app, kind: 'config', set, unset: [] }, `config set ${app} ${Object.keys(set).join(' ')}`);
  },
});
