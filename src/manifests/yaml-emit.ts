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

/** Rendered output repeats the same strings (labels, names, ports) many times; quote each once. */
const written = new Map<string, string>();

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  if (typeof value === 'boolean') return String(value);
  const text = String(value);
  let known = written.get(text);
  if (known === undefined) {
    known = quote(text);
    if (written.size < 50_000) written.set(text, known);
  }
  return known;
}

function quote(text: string): string {
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
  if (Array.isArray(value)) return value.length === 0;
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined) return false;
  return true;
}

function emit(value: unknown, indent: string, lines: string[], top = false): void {
  const deeper = `${indent}  `;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        // Write the item two spaces in, then turn its first line's indent into the "- ".
        const first = lines.length;
        emit(item, deeper, lines);
        lines[first] = `${indent}- ${lines[first]!.slice(deeper.length)}`;
      } else {
        lines.push(`${indent}- ${inline(item)}`);
      }
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const name of orderedKeys(record, top)) {
    const item = record[name];
    if (isCollection(item) && !isEmpty(item)) {
      lines.push(`${indent}${scalar(name)}:`);
      // Sequences sit two spaces under their key, as kubectl and the yaml library write them.
      emit(item, deeper, lines);
    } else {
      lines.push(`${indent}${scalar(name)}: ${inline(item)}`);
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
