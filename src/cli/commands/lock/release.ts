import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { REQUIRED_ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'lock release',
  summary: "clear an environment's deploy lock whoever holds it (only when its holder is gone)",
  options: { env: REQUIRED_ENV_OPTION, force: { type: 'boolean', description: 'required: you are sure the holder is not running' } },
  examples: ['berth lock release --force --env production'],
  async run(context) {
    const loaded = await loadProject(context);
    const names = Object.keys(loaded.config.environments);
    if (names.length > 1 && !context.options.env)
      throw new UsageError(`berth lock release needs --env: the config has ${names.length} environments (${names.join(', ')})`);
    const environment = pickEnvironment(loaded, context.options.env);
    if (!context.options.force) {
      throw new UsageError('berth lock release needs --force', {
        hint: 'A held lock expires by itself about 30 s after its holder stops. Clear it by hand only when you know the deploy holding it is gone (see `berth lock status`).',
      });
    }
    const [{ openEnvironment }, { forceRelease }] = await Promise.all([import('../../../deploy/operate.ts'), import('../../../deploy/lock.ts')]);
    const { cluster, namespace } = openEnvironment({ config: loaded.config, environment, kubeconfig: context.env.KUBECONFIG });
    const holder = await forceRelease(cluster, namespace);
    context.out.result({ ok: true, environment, released: holder ?? null });
    context.out.print(
      holder ? `Released the lock ${holder.user}@${holder.host} held since ${holder.since ?? '?'} (${holder.command})` : `${environment} was not locked`,
    );
  },
});
