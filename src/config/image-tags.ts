/**
 * Which tag each app's image gets, and the rule for environments with a tag scheme: every image
 * render produces there is a given tag that fits the scheme, or a pin written in the config.
 * Never an implicit `:latest` (a moving tag nobody can reproduce or roll back to).
 */
import type { ResolvedEnvironment } from './resolved.ts';
import { parseImage, withTag } from './image-ref.ts';
import { tagSchemePattern } from './tag-scheme.ts';
import { UsageError } from '../errors.ts';

export type TagSource = 'given' | 'config' | 'none';

/** A tag written in the config pins the image, unless it is `latest`, which pins nothing. */
export function pinnedTag(image: string): string | undefined {
  const { tag, digest } = parseImage(image);
  if (digest) return tag ?? digest.replace(/^sha256:/, '').slice(0, 12);
  return tag === 'latest' ? undefined : tag;
}

export function isPinned(image: string): boolean {
  return pinnedTag(image) !== undefined;
}

/** The image to run, the tag it shows (labels, annotations) and where the tag came from. */
export function imageWithTag(configured: string, given: string | undefined): { image: string; tag: string; source: TagSource } {
  if (given) return { image: withTag(configured, given), tag: given, source: 'given' };
  const pinned = pinnedTag(configured);
  if (pinned) return { image: configured, tag: pinned, source: 'config' };
  return { image: withTag(configured, 'latest'), tag: 'latest', source: 'none' };
}

/** Throws when an environment with a tag scheme would get an image outside it. */
export function checkImageTags(env: ResolvedEnvironment): void {
  if (!env.tagScheme) return;
  const missing = env.apps.filter((a) => a.tagSource === 'none' || a.processes.some((p) => p.tagSource === 'none')).map((a) => a.name);
  if (missing.length) {
    throw new UsageError(`No image tag for ${missing.join(', ')} in ${env.name}, whose tag scheme is "${env.tagScheme}"; berth never falls back to :latest`, {
      hint: `Pass the tag of the build to run: --tag TAG for every app, or --tag ${missing[0]}=TAG for each app listed.`,
    });
  }
  const pattern = tagSchemePattern(env.tagScheme)!;
  for (const app of env.apps) {
    const given = [app, ...app.processes].some((x) => x.tagSource === 'given');
    if (given && !pattern.test(app.tag)) {
      throw new UsageError(`Tag "${app.tag}" for ${app.name} does not match ${env.name}'s tag scheme "${env.tagScheme}"`, {
        hint: `Environment ${env.name} accepts tags like its tagScheme; check you are deploying the right build.`,
      });
    }
  }
}
