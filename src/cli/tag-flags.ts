/**
 * `--tag T` (every app without a tag pinned in the config) and `--tag api=T` (one app), as render
 * and deploy take them. Whether a tag fits the environment's scheme is the library's check.
 */
import { UsageError } from '../errors.ts';

export function parseTagFlags(values: string[], apps: string[]): { tags: Record<string, string>; defaultTag: string | undefined } {
  const tags: Record<string, string> = {};
  let defaultTag: string | undefined;
  for (const value of values) {
    const eq = value.indexOf('=');
    const [app, tag] = eq > 0 ? [value.slice(0, eq), value.slice(eq + 1)] : [undefined, value];
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new UsageError(`--tag "${value}": "${tag}" is not a valid image tag`);
    if (app) {
      if (!apps.includes(app)) throw new UsageError(`--tag ${value}: no app "${app}"`, { hint: `Apps: ${apps.join(', ')}.` });
      tags[app] = tag;
    } else {
      if (defaultTag !== undefined && defaultTag !== tag) throw new UsageError(`--tag ${tag}: a tag for all apps was already given (${defaultTag})`);
      defaultTag = tag;
    }
  }
  return { tags, defaultTag };
}
