/**
 * Values people leave in configs meaning "fill this in later". Shipping one to production is a
 * classic outage (seed 001's deploy script refused them too), so validation refuses them.
 */

const WHOLE_VALUE = /^(changeme|change[-_ ]me|todo|tbd|fixme|xxx+|placeholder|replace[-_ ]?me|your[-_].*|example)$/i;
const ANYWHERE = [
  { pattern: /<[^<>\s][^<>]*>/, what: 'a <placeholder>' },
  { pattern: /\b(CHANGEME|TODO|FIXME|TBD)\b/, what: 'a TODO marker' },
  { pattern: /changeme/i, what: '"changeme"' },
  { pattern: /(^|[^a-z0-9])xxx+([^a-z0-9]|$)/i, what: '"xxx"' },
];

/** Returns why a value looks like a placeholder, or undefined when it looks real. */
export function placeholderProblem(value: string): string | undefined {
  if (value.trim() === '') return 'is empty';
  if (WHOLE_VALUE.test(value.trim())) return `"${value}" is a placeholder`;
  for (const { pattern, what } of ANYWHERE) {
    if (pattern.test(value)) return `contains ${what} ("${value}")`;
  }
  return undefined;
}
