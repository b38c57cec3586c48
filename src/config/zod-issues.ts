/**
 * Turns zod's issues into `apps.api.domains[1]: message` lines, with a spelling suggestion
 * for unknown fields, since a typo is the commonest config mistake.
 */
import type { z } from './zod.ts';
import type { ConfigIssue } from '../errors.ts';
import { closest } from '../suggest.ts';
import { join } from './field-path.ts';
import { misplacedField } from './misplaced.ts';

type Schema = z.core.$ZodType;

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    out = typeof key === 'number' ? `${out}[${key}]` : join(out, String(key));
  }
  return out;
}

export function toConfigIssues(error: z.ZodError, schema: Schema, input: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const moved = misplacedField(issue.path, key, valueAt(input, [...issue.path, key]));
        if (moved) {
          issues.push({ path: formatPath([...issue.path, key]), message: moved });
          continue;
        }
        const guess = closest(key, known);
        const fix = guess ? `did you mean "${guess}"?` : `known fields: ${known.join(', ')}`;
        issues.push({ path: formatPath([...issue.path, key]), message: `unknown field; ${fix}` });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      const key = issue.path.at(-1);
      const why = issue.issues.map((i) => i.message).join('; ');
      issues.push({ path: formatPath(issue.path), message: `invalid name "${String(key)}": ${why}` });
      continue;
    }
    if (issue.code === 'invalid_type') {
      const value = valueAt(input, issue.path);
      const message = value === undefined ? `is required (${issue.expected})` : wrongType(issue.expected, value);
      issues.push({ path: formatPath(issue.path), message });
      continue;
    }
    issues.push({ path: formatPath(issue.path), message: issue.message });
  }
  return issues;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value === 'number' && !Number.isInteger(value) ? 'the decimal' : 'the ' + typeof value} ${String(value)}`;
}

/** Says what was found instead, with the usual YAML fix: numbers and booleans must be quoted to be text. */
function wrongType(expected: string, value: unknown): string {
  const found = describe(value);
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return `must be text, not ${found}; quote it ("${String(value)}")`;
  }
  if (expected === 'number' && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
    return `must be a number, not ${found}; remove the quotes`;
  }
  return `must be ${expected === 'int' ? 'a whole number' : `a ${expected}`}, not ${found}`;
}

/** Walks the schema along a data path to list the fields an object there may have. */
function knownKeys(schema: Schema, path: ReadonlyArray<PropertyKey>): string[] {
  let candidates: Schema[] = [schema];
  for (const key of path) {
    candidates = candidates.flatMap((s) => unwrap(s)).flatMap((s) => child(s, key));
  }
  return [...new Set(candidates.flatMap((s) => unwrap(s)).flatMap((s) => objectKeys(s)))];
}

function def(schema: Schema): Record<string, unknown> {
  return (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
}

function unwrap(schema: Schema): Schema[] {
  const d = def(schema);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return unwrap(d.innerType as Schema);
    case 'pipe':
      return unwrap(d.in as Schema);
    case 'union':
      return (d.options as Schema[]).flatMap(unwrap);
    default:
      return [schema];
  }
}

function child(schema: Schema, key: PropertyKey): Schema[] {
  const d = def(schema);
  if (d.type === 'object') {
    const field = (d.shape as Record<string, Schema>)[String(key)];
    return field ? [field] : [];
  }
  if (d.type === 'record') return [d.valueType as Schema];
  if (d.type === 'array') return [d.element as Schema];
  return [];
}

function objectKeys(schema: Schema): string[] {
  const d = def(schema);
  return d.type === 'object' ? Object.keys(d.shape as object) : [];
}
