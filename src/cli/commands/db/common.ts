/** What the `db` commands share: the app argument, the environment, the target from the config. */
import type { AppTarget, AppTargetOptions } from '../../../db/app-target.ts';
import type { LoadedConfig } from '../../../config/load.ts';
import { UsageError } from '../../../errors.ts';
import type { CommandContext } from '../../command.ts';
import { loadProject, pickEnvironment } from '../../project.ts';

export interface DbCommandTarget extends AppTarget {
  environment: string;
  app: string;
  /** The config as loaded for this target, so a command reads the file once. */
  loaded: LoadedConfig;
}

export interface DbTargetOptions extends AppTargetOptions {
  /**
   * Destructive commands (drop, rotate) take no default environment when there are several: the
   * first one is usually production.
   */
  explicitEnvironment?: boolean;
}

export async function dbTarget(context: CommandContext, command: string, options: DbTargetOptions = {}): Promise<DbCommandTarget> {
  const app = context.positionals[0];
  if (!app || context.positionals.length > 1) {
    throw new UsageError(`berth db ${command} takes one app name`, { hint: `berth db ${command} APP [--env ENV]` });
  }
  const loaded = await loadProject(context);
  const names = Object.keys(loaded.config.environments);
  if (options.explicitEnvironment && names.length > 1 && typeof context.options.env !== 'string') {
    throw new UsageError(`berth db ${command} needs --env: the config has ${names.length} environments (${names.join(', ')})`, {
      hint: `Name the one you mean: berth db ${command} ${app} --env ENV. Nothing was changed.`,
    });
  }
  const environment = pickEnvironment(loaded, context.options.env);
  const { appTarget } = await import('../../../db/app-target.ts');
  const target = appTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) }, environment, app, options);
  return { ...target, environment, app, loaded };
}

/** What the provisioning functions need, with the admin URL read and the cluster connected. */
export async function appDatabaseRequest(target: DbCommandTarget) {
  return {
    identity: target.identity,
    namespace: target.namespace,
    server: target.server,
    adminUrl: await target.adminUrl(),
    cluster: await target.cluster(),
  };
}
