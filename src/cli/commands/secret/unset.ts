import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { REQUIRED_ENV_OPTION, loadProject, requireEnvironment } from '../../project.ts';
import { CHANGE_OPTIONS, releaseAndReport } from '../../release-change.ts';

export default defineCommand({
  name: 'secret unset',
  summary: 'remove secret values the app no longer lists in `secrets`: a new release',
  args: 'APP KEY...',
  options: { env: REQUIRED_ENV_OPTION, ...CHANGE_OPTIONS },
  examples: ['berth secret unset web OLD_API_KEY --env production'],
  async run(context) {
    const [app, ...keys] = context.positionals;
    if (!app || keys.length === 0) throw new UsageError('berth secret unset takes an app and keys', { hint: 'berth secret unset APP KEY… [--env ENV]' });
    const loaded = await loadProject(context);
    const environment = requireEnvironment(loaded, context.options.env, 'secret unset');
    const { checkKey } = await import('../../../ops/runtime-config.ts');
    for (const key of keys) {
      checkKey(key, key);
      if (loaded.config.apps[app]?.secrets?.includes(key)) {
        throw new UsageError(`${app}'s pods need ${key} (apps.${app}.secrets lists it): unsetting it would stop them starting`, {
          hint: `Remove "${key}" from apps.${app}.secrets in ${loaded.file} first, or give it a new value with \`berth secret set ${app} ${key}\`.`,
        });
      }
    }
    return releaseAndReport(context, loaded, environment, { app, kind: 'secret', set: {}, unset: keys }, `secret unset ${app} ${keys.join(' ')}`);
  },
});
