import { tagSchemePattern } from '../../config/tag-scheme.ts';
import { UsageError } from '../../errors.ts';
import { render } from '../../render/index.ts';
import { toJsonList, toYamlStream } from '../../render/serialize.ts';
import { writeKustomization } from '../../render/write-dir.ts';
import type { CommandContext } from '../command.ts';
import { loadProject, pickEnvironment, stringList } from '../project.ts';

export async function run(context: CommandContext): Promise<void> {
  const loaded = await loadProject(context);
  const environment = pickEnvironment(loaded, context.options.env);
  const appNames = stringList(context.options.app);
  if (appNames.length && typeof context.options.out === 'string') {
    // A GitOps directory stands for a whole environment: writing one app would prune the others.
    throw new UsageError('--out writes a whole environment and removes files it no longer renders; it cannot be combined with --app', {
      hint: 'Drop --app to write the environment, or print one app with `berth render --app APP`.',
    });
  }
  const tags = parseTags(stringList(context.options.tag), appNames.length ? appNames : Object.keys(loaded.config.apps));
  const scheme = loaded.config.environments[environment]!.tagScheme;
  if (scheme) {
    const pattern = tagSchemePattern(scheme)!;
    for (const [app, tag] of Object.entries(tags)) {
      if (!pattern.test(tag)) {
        throw new UsageError(`Tag "${tag}" for ${app} does not match ${environment}'s tag scheme "${scheme}"`, {
          hint: `Environment ${environment} accepts tags like its tagScheme; check you are deploying the right build.`,
        });
      }
    }
  }
  const objects = render(loaded.config, environment, { apps: appNames.length ? appNames : undefined, tags });
  const format = context.options.output ?? (context.out.json ? 'json' : 'yaml');
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`--output must be yaml or json, not "${String(format)}"`);

  if (typeof context.options.out === 'string') {
    const written = await writeKustomization(context.options.out, objects, { cwd: context.cwd, environment });
    context.out.result({ ok: true, environment, directory: written.directory, files: written.files, removed: written.removed });
    context.out.print(`Wrote ${written.files.length} files to ${written.directory} (kustomization.yaml lists them)`);
    if (written.removed.length) context.out.print(`Removed ${written.removed.length} files for objects no longer rendered: ${written.removed.join(', ')}`);
    return;
  }
  context.out.write(format === 'json' ? toJsonList(objects) : toYamlStream(objects));
}

/** `--tag T` applies to every selected app; `--tag api=T` to one. */
function parseTags(values: string[], apps: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const [app, tag] = eq > 0 ? [value.slice(0, eq), value.slice(eq + 1)] : [undefined, value];
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new UsageError(`--tag "${value}": "${tag}" is not a valid image tag`);
    if (app) {
      if (!apps.includes(app)) throw new UsageError(`--tag ${value}: no app "${app}"`, { hint: `Apps: ${apps.join(', ')}.` });
      tags[app] = tag;
    } else {
      for (const name of apps) tags[name] ??= tag;
    }
  }
  return tags;
}
