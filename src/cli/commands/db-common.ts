/** What the `db` commands share: the app argument, the environment, the target from the config. */
import { appTarget, type AppTarget, type AppTargetOptions } from '../../db/app-target.ts';
import { UsageError } from '../../errors.ts';
import type { CommandContext } from '../command.ts';
import { loadProject, pickEnvironment } from '../project.ts';

export interface DbCommandTarget extends AppTarget {
  environment: string;
  app: string;
}

export async function dbTarget(context: CommandContext, command: string, options: AppTargetOptions = {}): Promise<DbCommandTarget> {
  const app = context.positionals[0];
  if (!app || context.positionals.length > 1) {
    throw new UsageError(`berth db ${command} takes one app name`, { hint: `berth db ${command} APP [--env ENV]` });
  }
  const loaded = await loadProject(context);
  const environment = pickEnvironment(loaded, context.options.env);
  const target = appTarget({ config: loaded.config, configFile: loaded.file, env: context.env, warn: (m) => context.out.warn(m) }, environment, app, options);
  return { ...target, environment, app };
}
