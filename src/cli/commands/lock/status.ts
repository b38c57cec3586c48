import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export default defineCommand({
  name: 'lock status',
  summary: 'who holds the deploy lock of an environment, running what, since when',
  options: { env: ENV_OPTION },
  async run(context) {
    const loaded = await loadProject(context);
    const environment = pickEnvironment(loaded, context.options.env);
    const [{ openEnvironment }, { lockStatus }] = await Promise.all([import('../../../deploy/operate.ts'), import('../../../deploy/lock.ts')]);
    const { cluster, namespace } = openEnvironment({ config: loaded.config, environment, kubeconfig: context.env.KUBECONFIG });
    const holder = await lockStatus(cluster, namespace);
    context.out.result({ ok: true, environment, locked: Boolean(holder && !holder.expired), holder: holder ?? null });
    if (!holder) {
      context.out.print(`${environment} is not locked`);
      return;
    }
    context.out.print(
      `${environment} is ${holder.expired ? 'held by an EXPIRED lock (its holder stopped renewing; the next deploy takes it)' : 'locked'} by ${holder.user} on ${holder.host}${holder.pid ? ` (pid ${holder.pid})` : ''}`,
    );
    context.out.print(`  running: ${holder.command}`);
    context.out.print(`  since ${holder.since ?? '?'}, last renewed ${holder.renewedAt ?? '?'} (expires ${holder.leaseSeconds} s after a renewal)`);
  },
});
