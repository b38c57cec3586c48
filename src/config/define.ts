import type { BerthConfig } from './schema.ts';

/**
 * Identity at run time; gives editors the types of berth.config.ts. Validation happens when
 * berth loads the file, so errors name the field whatever format the config is written in.
 */
export function defineConfig(config: BerthConfig): BerthConfig {
  return config;
}
