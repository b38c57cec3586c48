/**
 * A YAML emitter for rendered objects only: plain JSON-shaped data (objects, arrays, strings,
 * numbers, booleans, null). The `yaml` library builds a full document tree per object and took
 * over a second for a 100-app render; this writes the same block style directly in a few ms.
 * Anything that could read back as another type is double-quoted (JSON strings are valid YAML),
 * and the tests check every example round-trips through the `yaml` parser unchanged.
 */

import { orderedKeys } from './canonical.ts';

/** Letters first, then the characters that never start YAML syntax mid-scalar. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+=,():-]*( [A-Za-z0-9_./@+=,():-]+)*$/;
/** Kubernetes quantities such as 100m, 256Mi, 2.5Gi read as strings in YAML 1.1 and 1.2. */
const QUANTITY = /^\d+(\.\d+)?[A-DF-Za-df-z][A-Za-z]?$/;
/** Words YAML 1.1 parsers (and so some Kubernetes tooling) read as booleans or null. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|nan|inf)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  if (typeof value === 'boolean') return String(value);
  const text = String(value);
  // A colon is plain text unless a space or the end follows it (then it would start a mapping).
  const plain = PLAIN.test(text) && !RESERVED.test(text) && !/:( |$)/.test(text);
  if (plain || QUANTITY.test(text)) return text;
  return JSON.stringify(text);
}

function isCollection(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** Empty as written: an object whose fields are all undefined writes as `{}`, like JSON. */
function isEmpty(value: object): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.values(value).every((v) => v === undefined);
}

function emit(value: unknown, indent: string, lines: string[], top = false): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        const nested: string[] = [];
        emit(item, `${indent}  `, nested);
        lines.push(`${indent}- ${nested[0]!.slice(indent.length + 2)}`, ...nested.slice(1));
      } else {
        lines.push(`${indent}- ${inline(item)}`);
      }
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of orderedKeys(record, top)) {
    const item = record[key];
    if (isCollection(item) && !isEmpty(item)) {
      lines.push(`${indent}${scalar(key)}:`);
      // Sequences sit two spaces under their key, as kubectl and the yaml library write them.
      emit(item, `${indent}  `, lines);
    } else {
      lines.push(`${indent}${scalar(key)}: ${inline(item)}`);
    }
  }
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (isCollection(value)) return '{}';
  return scalar(value);
}

/** Writes keys in canonical order (see canonical.ts), so equal objects give equal bytes. */
export function emitYaml(value: object): string {
  const lines: string[] = [];
  emit(value, '', lines, true);
  return `${lines.join('\n')}\n`;
}
