/**
 * Which image tag each app deploys: the one given (`--tag T` for every app without a tag of its
 * own in the config, `--tag api=T` for one), else the tag running in the cluster now, so
 * `berth deploy api --tag v2` never moves the other apps anywhere.
 */
import { parseImage } from '../config/image-ref.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { tagSchemePattern } from '../config/tag-scheme.ts';
import { UsageError } from '../errors.ts';

export function parseTagFlags(values: string[], apps: string[], config: ParsedConfig, environment: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const [app, tag] = eq > 0 ? [value.slice(0, eq), value.slice(eq + 1)] : [undefined, value];
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new UsageError(`--tag "${value}": "${tag}" is not a valid image tag`);
    if (app) {
      if (!apps.includes(app)) throw new UsageError(`--tag ${value}: no app "${app}" is being deployed`, { hint: `Apps: ${apps.join(', ')}.` });
      tags[app] = tag;
    } else {
      for (const name of apps) if (!configuredTag(config, environment, name)) tags[name] ??= tag;
    }
  }
  const scheme = config.environments[environment]?.tagScheme;
  const pattern = scheme ? tagSchemePattern(scheme) : undefined;
  for (const [app, tag] of Object.entries(tags)) {
    if (pattern && !pattern.test(tag)) {
      throw new UsageError(`Tag "${tag}" for ${app} does not match ${environment}'s tag scheme "${scheme}"`, {
        hint: `Environment ${environment} accepts tags like its tagScheme; check you are deploying the right build.`,
      });
    }
  }
  return tags;
}

/** The tag written in the config's image (environment override first), if any. */
export function configuredTag(config: ParsedConfig, environment: string, app: string): string | undefined {
  const image = config.environments[environment]?.apps?.[app]?.image ?? config.apps[app]?.image;
  return image ? (parseImage(image).tag ?? (parseImage(image).digest ? '@digest' : undefined)) : undefined;
}

/**
 * Completes the tags: apps neither given a tag nor pinned in the config keep the tag running now.
 * An app with none of the three cannot be deployed in an environment with a tag scheme.
 */
export function completeTags(
  config: ParsedConfig,
  environment: string,
  apps: string[],
  given: Record<string, string>,
  running: ReadonlyMap<string, string>,
): { tags: Record<string, string>; reused: string[] } {
  const tags = { ...given };
  const reused: string[] = [];
  const missing: string[] = [];
  for (const app of apps) {
    if (tags[app] || configuredTag(config, environment, app)) continue;
    const live = running.get(app);
    if (live) {
      tags[app] = live;
      reused.push(app);
    } else if (config.environments[environment]?.tagScheme) {
      missing.push(app);
    }
  }
  if (missing.length) {
    throw new UsageError(
      `No image tag for ${missing.join(', ')}: ${missing.length > 1 ? 'they are' : 'it is'} not running in ${environment} yet and no --tag was given`,
      {
        hint: `Give the tag of the build to deploy: berth deploy --env ${environment} --tag ${missing.length > 1 ? 'TAG' : `${missing[0]}=TAG`}. Nothing was applied.`,
      },
    );
  }
  return { tags, reused };
}
