/**
 * Stable key order for rendered objects, as cdk8s does: apiVersion, kind, metadata first, then
 * alphabetical, with `name` leading inside nested objects. Identical input → identical bytes, so
 * diffs and snapshots only show real changes. Undefined fields are dropped.
 */

const TOP = ['apiVersion', 'kind', 'metadata'];

export function canonical<T>(value: T): T {
  return sortValue(value, true) as T;
}

function sortValue(value: unknown, top: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => sortValue(item, false));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  keys.sort((a, b) => weight(a, top) - weight(b, top) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = sortValue((value as Record<string, unknown>)[key], false);
  return out;
}

function weight(key: string, top: boolean): number {
  if (top) {
    const i = TOP.indexOf(key);
    return i < 0 ? TOP.length : i;
  }
  return key === 'name' ? -1 : 0;
}
