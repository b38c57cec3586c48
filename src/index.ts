/** The library surface: what berth.config.ts imports, and the pure core for programmatic use. */
export { defineConfig } from './config/define.ts';
export type { BerthConfig, AppConfig, ParsedConfig } from './config/schema.ts';
export { validateConfig } from './config/validate.ts';
export { loadConfig } from './config/load.ts';
export { render, type KubeObject, type RenderOptions } from './render/index.ts';
export { BerthError, ConfigError, UsageError, ExitCode } from './errors.ts';
