/** What commands that release an app (deploy, config/secret set, restart…) hand to deploy besides flags. */
import type { LoadedConfig } from '../config/load.ts';
import type { CommandContext } from './command.ts';

/** Reads the notification webhook named in the config, when there is one. */
export function webhookReader(context: Pick<CommandContext, 'env'>, loaded: LoadedConfig): (() => Promise<string | undefined>) | undefined {
  const ref = loaded.config.notifications?.slack;
  if (!ref) return undefined;
  return async () => {
    const [{ readCredential }, { connectCluster }, { dirname }] = await Promise.all([
      import('../db/credentials.ts'),
      import('../cluster/connect.ts'),
      import('node:path'),
    ]);
    return readCredential(ref, {
      cwd: dirname(loaded.file),
      env: context.env,
      cluster: async () => connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG }),
    });
  };
}
