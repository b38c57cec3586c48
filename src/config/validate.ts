/**
 * Validation: schema first (shape and field formats), then the cross-field rules. Returns the
 * parsed config and warnings, or throws a ConfigError listing every problem with its field path.
 */
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { checkRules } from './rules.ts';
import { configSchema, type ParsedConfig } from './schema.ts';
import { toConfigIssues } from './zod-issues.ts';

export interface ValidConfig {
  config: ParsedConfig;
  warnings: ConfigIssue[];
}

export function validateConfig(input: unknown, file?: string): ValidConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(
      [{ path: '', message: 'the config must be an object with `environments` and `apps`; export it with `export default defineConfig({ … })`' }],
      file,
    );
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(toConfigIssues(parsed.error, configSchema, input), file);
  const { errors, warnings } = checkRules(parsed.data);
  if (errors.length > 0) throw new ConfigError(unique(errors), file);
  return { config: parsed.data, warnings: unique(warnings) };
}

function unique(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
