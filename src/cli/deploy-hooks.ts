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

/**
 * Creates (or finds) an app's database on the shared server before its first rollout; undefined
 * without a database in the config. Without the admin credential (a CI deployer) it says so, and
 * deploy decides whether the app's existing Secret is enough.
 */
export function databaseEnsurer(
  context: Pick<CommandContext, 'env' | 'out'>,
  loaded: LoadedConfig,
  environment: string,
): ((app: string) => Promise<{ database: string; created: boolean } | { database: string; unavailable: string }>) | undefined {
  if (!loaded.config.database) return undefined;
  return async (app: string) => {
    const [{ appTarget }, { createAppDatabase }, { CredentialMissingError }] = await Promise.all([
      import('../db/app-target.ts'),
      import('../db/provision.ts'),
      import('../db/credentials.ts'),
    ]);
    const target = appTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) }, environment, app);
    let adminUrl: string;
    try {
      adminUrl = await target.adminUrl();
    } catch (error) {
      if (error instanceof CredentialMissingError) return { database: target.identity.database, unavailable: `no database admin credential: ${error.message}` };
      throw error;
    }
    const result = await createAppDatabase({
      identity: target.identity,
      namespace: target.namespace,
      server: target.server,
      adminUrl,
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
    if (!loaded.config.backups) return { taken: false as const, reason: 'no backup store is configured (backups.store)' };
    const [{ appTarget }, { backupBeforeMigrate }, { CredentialMissingError }] = await Promise.all([
      import('../db/app-target.ts'),
      import('../backup/before-migrate.ts'),
      import('../db/credentials.ts'),
    ]);
    const target = appTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) }, environment, app);
    let adminUrl: string;
    try {
      adminUrl = await target.adminUrl();
    } catch (error) {
      // A CI deployer without the admin credential cannot dump the database; the scheduled backups still run.
      if (error instanceof CredentialMissingError) return { taken: false as const, reason: `no database admin credential here: ${error.message}` };
      throw error;
    }
    return backupBeforeMigrate({
      config: loaded.config,
      configFile: loaded.file,
      identity: target.identity,
      namespace: target.namespace,
      adminUrl,
      cluster: target.cluster,
      env: context.env,
      signal: context.signal,
      storeDir,
    });
  };
}
