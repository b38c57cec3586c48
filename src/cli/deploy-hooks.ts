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
      expect: 'the Slack-compatible webhook URL',
      cluster: async () => connectCluster({ context: loaded.config.cluster?.context, kubeconfig: context.env.KUBECONFIG }),
    });
  };
}

/** Creates (or finds) an app's database on the shared server before its first rollout; undefined without a database in the config. */
export function databaseEnsurer(
  context: Pick<CommandContext, 'env' | 'out'>,
  loaded: LoadedConfig,
  environment: string,
): ((app: string) => Promise<{ database: string; created: boolean }>) | undefined {
  if (!loaded.config.database) return undefined;
  return async (app: string) => {
    const [{ appTarget }, { createAppDatabase }] = await Promise.all([import('../db/app-target.ts'), import('../db/provision.ts')]);
    const target = appTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) }, environment, app);
    const result = await createAppDatabase({
      identity: target.identity,
      namespace: target.namespace,
      server: target.server,
      adminUrl: await target.adminUrl(),
      cluster: await target.cluster(),
    });
    return { database: result.database, created: result.databaseCreated };
  };
}

/** A verified backup of an app's database before a release runs its migrations. */
export function preMigrationBackup(
  context: Pick<CommandContext, 'env' | 'out' | 'signal'>,
  loaded: LoadedConfig,
  environment: string,
  storeDir: string | undefined,
) {
  return async (app: string) => {
    const [{ appTarget }, { backupBeforeMigrate }] = await Promise.all([import('../db/app-target.ts'), import('../backup/before-migrate.ts')]);
    const target = appTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) }, environment, app);
    return backupBeforeMigrate({
      config: loaded.config,
      configFile: loaded.file,
      identity: target.identity,
      namespace: target.namespace,
      adminUrl: await target.adminUrl(),
      cluster: target.cluster,
      env: context.env,
      signal: context.signal,
      storeDir,
    });
  };
}
