/**
 * Flux image automation in `render --out` directories. Each image berth builds a tag for gets a
 * setter marker naming its ImagePolicy (`image: repo:tag # {"$imagepolicy": "ns:name"}`), so
 * Flux's ImageUpdateAutomation commits new tags into the files. A later render reads those tags
 * back for the apps it is not given a tag for, as deploy reuses the tag running in the cluster:
 * re-rendering keeps both the markers and what Flux wrote.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseImage } from '../config/image-ref.ts';
import { DEFAULTS } from '../config/defaults.ts';
import type { ResolvedEnvironment } from '../config/resolved.ts';
import type { EnvironmentConfig } from '../config/schema.ts';

/** Image repository → `namespace:policy`, for every image whose tag a deploy sets. */
export type PolicyMarkers = Map<string, { app: string; policy: string }>;

export function policyMarkers(env: ResolvedEnvironment, settings: NonNullable<EnvironmentConfig['imagePolicy']>): PolicyMarkers {
  const namespace = settings.namespace ?? DEFAULTS.imagePolicy.namespace;
  const template = settings.name ?? DEFAULTS.imagePolicy.name;
  const name = (image: string) => template.replaceAll('{image}', image).replaceAll('{environment}', env.name);
  const markers: PolicyMarkers = new Map();
  for (const app of env.apps) {
    // Images pinned in the config (postgres:16-alpine) are not automated.
    if (app.tagSource !== 'config') markers.set(parseImage(app.image).repository, { app: app.name, policy: `${namespace}:${name(app.name)}` });
    for (const process of app.processes) {
      const repository = parseImage(process.image).repository;
      if (process.tagSource !== 'config' && !markers.has(repository)) {
        markers.set(repository, { app: app.name, policy: `${namespace}:${name(`${app.name}-${process.name}`)}` });
      }
    }
  }
  return markers;
}

const IMAGE_LINE = /^(\s*(?:- )?image: )("?)([^\s"#]+)\2$/gm;
const MARKED_LINE = /^\s*(?:- )?image: "?([^\s"#]+)"? # \{"\$imagepolicy": "([^"]+)"\}$/gm;

/** Appends the marker to every `image:` line of an object's YAML whose repository has a policy. */
export function markImages(yaml: string, markers: PolicyMarkers): string {
  if (markers.size === 0) return yaml;
  return yaml.replace(IMAGE_LINE, (line, _key: string, _quote: string, image: string) => {
    const marker = markers.get(parseImage(image).repository);
    return marker ? `${line} # {"$imagepolicy": "${marker.policy}"}` : line;
  });
}

/**
 * The tags in a directory berth wrote before, by app, read from the marked image lines (which
 * Flux may have updated since). Files that are missing or unmarked give nothing.
 */
export async function markedTags(directory: string, files: string[], markers: PolicyMarkers): Promise<Record<string, string>> {
  const byPolicy = new Map([...markers.values()].map((m) => [m.policy, m.app]));
  const tags: Record<string, string> = {};
  for (const file of files.filter((f) => /^(deployment|cronjob)-/.test(f))) {
    const text = await readFile(join(directory, file), 'utf8').catch(() => '');
    for (const [, image, policy] of text.matchAll(MARKED_LINE)) {
      const app = byPolicy.get(policy!);
      const tag = parseImage(image!).tag;
      if (app && tag && markers.get(parseImage(image!).repository)?.app === app) tags[app] ??= tag;
    }
  }
  return tags;
}
