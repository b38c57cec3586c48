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
    } else if (isBlock(item)) {
      // Embedded YAML (a HelmChart's valuesContent) stays readable in git as a literal block.
      lines.push(`${indent}${scalar(name)}: |`);
      for (const line of item.slice(0, -1).split('\n')) lines.push(line ? `${deeper}${line}` : '');
    } else {
      lines.push(`${indent}${scalar(name)}: ${inline(item)}`);
    }
  }
}

/**
 * Text that reads back unchanged from a `|` block: several lines ending in exactly one newline,
 * no line starting or ending with blanks that a block would lose or misread, no other line breaks.
 */
function isBlock(value: unknown): value is string {
  if (typeof value !== 'string' || !value.endsWith('\n') || value.endsWith('\n\n') || !value.slice(0, -1).includes('\n')) return false;
  if (/[\r\t\u0085\u2028\u2029]/.test(value) || value.startsWith(' ')) return false;
  return value
    .slice(0, -1)
    .split('\n')
    .every((line) => !/\s$/.test(line) && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(line));
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
