import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { REQUIRED_ENV_OPTION, loadProject, requireEnvironment } from '../../project.ts';
import { CHANGE_OPTIONS, releaseAndReport } from '../../release-change.ts';

export default defineCommand({
  name: 'secret set',
  summary: 'set secret values of an app from stdin or a hidden prompt (never the command line): a new release',
  args: 'APP KEY...',
  description:
    "The values go to the app's Secret APP-secrets, which every release pins as an immutable copy. The keys must be listed in the app's `secrets`. One key: stdin is the value (a trailing newline is dropped); several: stdin holds KEY=VALUE lines; on a terminal, a hidden prompt per key. Values are never printed. The app is released (its running image tag), watched and rolled back whole if the new pods fail; the Secret is written only when the release is healthy. Before the app's first release the values are only saved.",
  options: { env: REQUIRED_ENV_OPTION, ...CHANGE_OPTIONS },
  examples: [
    'printf %s "$STRIPE_KEY" | berth secret set web STRIPE_KEY --env production',
    'berth secret set web SESSION_SECRET --env staging    # prompts, input hidden',
    'printf "A=1\\nB=2\\n" | berth secret set api A B --env staging',
  ],
  async run(context) {
    const [app, ...keys] = context.positionals;
    if (!app || keys.length === 0)
      throw new UsageError('berth secret set takes an app and the names of its secrets', { hint: 'printf %s "$VALUE" | berth secret set APP KEY [--env ENV]' });
    const withValue = keys.find((k) => k.includes('='));
    if (withValue) {
      throw new UsageError(
        `Secret values never go on the command line ("${withValue.slice(0, withValue.indexOf('='))}=…"): shell history and \`ps\` would keep them`,
        {
          hint: `printf %s "$VALUE" | berth secret set ${app} ${withValue.slice(0, withValue.indexOf('='))}   (or run it on a terminal for a hidden prompt)`,
        },
      );
    }
    const loaded = await loadProject(context);
    const environment = requireEnvironment(loaded, context.options.env, 'secret set');
    const { checkKey } = await import('../../../ops/runtime-config.ts');
    const declared = loaded.config.apps[app]?.secrets ?? [];
    for (const key of keys) {
      checkKey(key, key);
      if (loaded.config.apps[app] && !declared.includes(key)) {
        throw new UsageError(`${key} is not one of ${app}'s secrets (apps.${app}.secrets): its pods would never see it`, {
          hint: `Add "${key}" to apps.${app}.secrets in ${loaded.file}, then set it.`,
        });
      }
    }
    const { readSecretValues } = await import('../../secret-input.ts');
    const set = await readSecretValues(keys, context.stdin, (text) => context.out.stderr.write(text));
    return releaseAndReport(context, loaded, environment, { app, kind: 'secret', set, unset: [] }, `secret set ${app} ${keys.join(' ')}`);
  },
});
