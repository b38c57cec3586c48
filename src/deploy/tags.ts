/**
 * Which image tag each app deploys: the one given (`--tag T` for every app without a tag of its
 * own in the config, `--tag api=T` for one), else the tag running in the cluster now, so
 * `berth deploy api --tag v2` never moves the other apps anywhere.
 */
import { pinnedTag } from '../config/image-tags.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { UsageError } from '../errors.ts';

/** The tag pinned in the config's image (environment override first), if any; `:latest` pins nothing. */
export function configuredTag(config: ParsedConfig, environment: string, app: string): string | undefined {
  const image = config.environments[environment]?.apps?.[app]?.image ?? config.apps[app]?.image;
  return image ? pinnedTag(image) : undefined;
}

/**
 * Completes the tags: apps neither given a tag nor pinned in the config keep the tag running now.
 * An app with none of the three cannot be deployed in an environment with a tag scheme.
 */
export function completeTags(
  config: ParsedConfig,
  environment: string,
  apps: string[],
  given: { tags: Record<string, string>; defaultTag: string | undefined },
  running: ReadonlyMap<string, string>,
): { tags: Record<string, string>; reused: string[] } {
  const tags = { ...given.tags };
  if (given.defaultTag) for (const app of apps) if (!tags[app] && !configuredTag(config, environment, app)) tags[app] = given.defaultTag;
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
