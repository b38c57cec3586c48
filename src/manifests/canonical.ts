/**
 * Stable key order for rendered objects, as cdk8s does: apiVersion, kind, metadata first, then
 * alphabetical, with `name` leading inside nested objects. Identical input → identical bytes, so
 * diffs and snapshots only show real changes. Undefined fields are dropped.
 *
 * Serializers apply it while writing (YAML) or just before (JSON); the objects render() returns
 * are sent to the API as they are, where key order means nothing.
 */

const TOP = ['apiVersion', 'kind', 'metadata'];

function compareTop(a: string, b: string): number {
  const wa = TOP.indexOf(a);
  const wb = TOP.indexOf(b);
  return (wa < 0 ? TOP.length : wa) - (wb < 0 ? TOP.length : wb) || (a < b ? -1 : a > b ? 1 : 0);
}

function compareNested(a: string, b: string): number {
  if (a === 'name') return b === 'name' ? 0 : -1;
  if (b === 'name') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The keys of an object with a defined value, in canonical order. */
export function orderedKeys(value: object, top: boolean): string[] {
  const record = value as Record<string, unknown>;
  return Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort(top ? compareTop : compareNested);
}

/** A deep copy in canonical order, for serializers that keep insertion order (JSON). */
export function canonical<T>(value: T): T {
  return sortValue(value, true) as T;
}

function sortValue(value: unknown, top: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => sortValue(item, false));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of orderedKeys(value, top)) out[key] = sortValue((value as Record<string, unknown>)[key], false);
  return out;
}
