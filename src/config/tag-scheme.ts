/**
 * Image tag schemes an environment accepts, so a production deploy of a typo'd or staging tag is
 * refused before anything is applied. A scheme is a keyword or a template such as
 * `prod-YYYYMMDD.N` (seed 004) or `sha-SHA`.
 */

const KEYWORDS: Record<string, RegExp> = {
  any: /^[\w][\w.-]{0,127}$/,
  'git-sha': /^[0-9a-f]{7,40}$/,
  semver: /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/,
};

const TOKENS: Record<string, string> = {
  YYYYMMDD: '\\d{8}',
  YYYY: '\\d{4}',
  MM: '\\d{2}',
  DD: '\\d{2}',
  SHA: '[0-9a-f]{7,40}',
  N: '\\d+',
};

const TOKEN_PATTERN = /YYYYMMDD|YYYY|MM|DD|SHA|N/g;

/** Returns the regular expression a scheme stands for, or undefined if the scheme is malformed. */
export function tagSchemePattern(scheme: string): RegExp | undefined {
  const keyword = KEYWORDS[scheme];
  if (keyword) return keyword;
  if (!/^[\w.-]+$/.test(scheme) || !TOKEN_PATTERN.test(scheme)) return undefined;
  TOKEN_PATTERN.lastIndex = 0;
  let source = '';
  let last = 0;
  for (const match of scheme.matchAll(TOKEN_PATTERN)) {
    source += escapeRegExp(scheme.slice(last, match.index)) + TOKENS[match[0]];
    last = match.index + match[0].length;
  }
  source += escapeRegExp(scheme.slice(last));
  return new RegExp(`^${source}$`);
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const TAG_SCHEME_HELP = 'use "any", "git-sha", "semver", or a template made of YYYYMMDD, YYYY, MM, DD, N and SHA, e.g. "prod-YYYYMMDD.N"';

const EXAMPLE_TOKENS: Record<string, string> = { YYYYMMDD: '20000101', YYYY: '2000', MM: '01', DD: '01', SHA: '0000000', N: '1' };
const EXAMPLE_KEYWORDS: Record<string, string> = { any: 'validate', 'git-sha': '0000000', semver: '0.0.0' };

/** A tag that fits the scheme, for renders that only check a config (`berth validate`). */
export function exampleTag(scheme: string | undefined): string {
  if (scheme === undefined) return EXAMPLE_KEYWORDS.any!;
  return EXAMPLE_KEYWORDS[scheme] ?? scheme.replace(TOKEN_PATTERN, (token) => EXAMPLE_TOKENS[token]!);
}
