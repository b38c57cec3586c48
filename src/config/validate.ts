/**
 * Validation: the schema (shape and field formats) and the cross-field rules, reported together.
 * Returns the parsed config and warnings, or throws a ConfigError listing every problem with its
 * field path.
 *
 * When the schema refuses some part (an app, an environment, a top-level section), the rules
 * still run on the rest, with that part left out, so one run shows everything there is to fix:
 * rule problems no longer wait until the schema problems are gone. Rules that would only be
 * talking about a left-out part (a reference to an app that failed the schema) stay quiet.
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
  if (!parsed.success) {
    const schemaIssues = toConfigIssues(parsed.error, configSchema, input);
    throw new ConfigError(unique([...schemaIssues, ...rulesOnTheRest(input as Record<string, unknown>, parsed.error.issues)]), file);
  }
  const { errors, warnings } = checkRules(parsed.data);
  if (errors.length > 0) throw new ConfigError(unique(errors), file);
  return { config: parsed.data, warnings: unique(warnings) };
}

/** The part of the config an issue belongs to: an app, an environment, or a top-level section. */
function unitOf(path: ReadonlyArray<PropertyKey>): string[] | undefined {
  const [top, name] = path;
  if ((top === 'apps' || top === 'environments') && typeof name === 'string') return [top, name];
  if (top === 'cluster' || top === 'database' || top === 'backups') return [top];
  return undefined;
}

function rulesOnTheRest(input: Record<string, unknown>, issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }>): ConfigIssue[] {
  const units = issues.map((i) => unitOf(i.path));
  if (units.some((u) => u === undefined)) return [];
  const rest: Record<string, unknown> = { ...input, apps: { ...(input.apps as object) }, environments: { ...(input.environments as object) } };
  const skipped = new Set<string>();
  for (const unit of units as string[][]) {
    skipped.add(unit.join('.'));
    if (unit.length === 1) delete rest[unit[0]!];
    else delete (rest[unit[0]!] as Record<string, unknown>)[unit[1]!];
  }
  const reparsed = configSchema.safeParse(rest);
  if (!reparsed.success) return [];
  const errors = checkRules(reparsed.data, { skipped }).errors;
  return errors.filter((e) => ![...skipped].some((s) => e.path === s || e.path.startsWith(`${s}.`) || e.path.startsWith(`${s}[`)));
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
