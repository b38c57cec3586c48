/** What most commands start with: the validated config, its warnings shown, and the environment. */
import type { LoadedConfig, LoadOptions } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { closest } from '../suggest.ts';
import type { CommandContext } from './command.ts';

export const ENV_OPTION = { type: 'string', short: 'e', value: 'ENV', description: 'environment (default: the first one in the config)' } as const;
/** For commands that change things: no default when the config has several environments. */
export const REQUIRED_ENV_OPTION = { ...ENV_OPTION, description: 'environment (required when the config has several)' } as const;

export async function loadProject(
  context: Pick<CommandContext, 'cwd' | 'configFile' | 'out'> & { options?: { context?: string } },
  hooks: Pick<LoadOptions, 'onRead'> = {},
): Promise<LoadedConfig> {
  // zod and the config loader load here, not at start-up.
  const { loadConfig } = await import('../config/load.ts');
  const loaded = await loadConfig({ cwd: context.cwd, file: context.configFile, onRead: hooks.onRead });
  for (const warning of loaded.warnings) context.out.warn(`${warning.path}: ${warning.message}`);
  // --context wins over cluster.context, as kubectl's flag wins over the kubeconfig.
  const kubeContext = context.options?.context;
  if (kubeContext) loaded.config = { ...loaded.config, cluster: { ...loaded.config.cluster, context: kubeContext } };
  return loaded;
}

/** --env, or the first environment in the config, so a single-environment setup needs no flag. */
export function pickEnvironment(loaded: LoadedConfig, requested: unknown): string {
  const names = Object.keys(loaded.config.environments);
  if (typeof requested === 'string') {
    if (!names.includes(requested)) {
      throw new UsageError(`Unknown environment "${requested}"`, { hint: `Environments in ${loaded.file}: ${names.join(', ')}.` });
    }
    return requested;
  }
  return names[0]!;
}

export function stringList(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** For commands that change an environment: --env, required when the config has several. */
export function requireEnvironment(loaded: LoadedConfig, requested: string | undefined, command: string): string {
  const names = Object.keys(loaded.config.environments);
  if (names.length > 1 && !requested) {
    throw new UsageError(`berth ${command} needs --env: the config has ${names.length} environments (${names.join(', ')})`, {
      hint: `berth ${command} … --env ${names[0]}`,
    });
  }
  return pickEnvironment(loaded, requested);
}

/** An app named on the command line that the environment does not have: the closest name, and the list. */
export function unknownApp(app: string, environment: string, names: string[]): UsageError {
  const guess = closest(app, names);
  return new UsageError(`No app "${app}" in ${environment}${guess ? ` — did you mean "${guess}"?` : ''}`, { hint: `Apps: ${names.join(', ') || 'none'}.` });
}
