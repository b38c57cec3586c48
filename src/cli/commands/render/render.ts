import { isPinned } from '../../../config/image-tags.ts';
import type { ParsedConfig } from '../../../config/schema.ts';
import { UsageError } from '../../../errors.ts';
import type { KubeObject } from '../../../model/kube-object.ts';
import type { PolicyMarkers } from '../../../manifests/image-policy.ts';
import { parseTagFlags } from '../../tag-flags.ts';
import { defineCommand, type CommandContext } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment, stringList } from '../../project.ts';

export default defineCommand({
  name: 'render',
  summary: 'print the Kubernetes objects for an environment, or write them for GitOps',
  options: {
    env: ENV_OPTION,
    app: { type: 'string', short: 'a', multiple: true, value: 'APP', description: 'only this app (repeatable)' },
    tag: {
      type: 'string',
      short: 't',
      multiple: true,
      value: '[APP=]TAG',
      description: 'image tag, for all apps or one app (repeatable); required where the environment has a tagScheme',
    },
    output: { type: 'string', short: 'o', value: 'yaml|json', description: 'output format (default: yaml)' },
    out: { type: 'string', value: 'DIR', description: 'write one file per object and a kustomization.yaml into DIR' },
    platform: { type: 'boolean', description: 'the cluster add-ons (platform section) and the CloudNativePG server instead of an environment' },
  },
  examples: [
    'berth render --env staging',
    'berth render --app api --tag prod-20260301.4',
    'berth render --env production --tag prod-20260301.4 --out deploy/production',
    'berth render --platform --out deploy/platform',
  ],
  async run(context) {
    const loaded = await loadProject(context);
    const { render, renderPlatform } = await import('../../../render/index.ts');
    const format = context.options.output ?? (context.out.json ? 'json' : 'yaml');
    if (format !== 'yaml' && format !== 'json') throw new UsageError(`--output must be yaml or json, not "${String(format)}"`);
    const out = typeof context.options.out === 'string' ? context.options.out : undefined;

    if (context.options.platform) {
      for (const flag of ['env', 'app', 'tag'] as const) {
        if (context.options[flag] !== undefined)
          throw new UsageError(`--platform renders the cluster add-ons and the shared database server, which have no --${flag}`);
      }
      const objects = renderPlatform(loaded.config);
      if (objects.length === 0) {
        const why = 'Nothing shared to render: the config has no platform section and the database is not CloudNativePG (database.mode is not "cnpg")';
        // An empty kustomization fails `kubectl apply -k`; better no directory than a broken one.
        if (out) throw new UsageError(`${why}, so there is no platform directory to write`);
        context.out.info(`${why}.`);
      }
      return emit(context, objects, { format, out, label: 'platform' });
    }

    const environment = pickEnvironment(loaded, context.options.env);
    const appNames = stringList(context.options.app);
    if (appNames.length && out) {
      // A GitOps directory stands for a whole environment: writing one app would prune the others.
      throw new UsageError('--out writes a whole environment and removes files it no longer renders; it cannot be combined with --app', {
        hint: 'Drop --app to write the environment, or print one app with `berth render --app APP`.',
      });
    }
    // Unknown names are reported by render() below, with the apps the environment has.
    const selected = (appNames.length ? appNames : Object.keys(loaded.config.apps)).filter((a) => loaded.config.apps[a]);
    const given = parseTagFlags(stringList(context.options.tag), selected);
    const automation = out ? await imageAutomation(context, loaded.config, environment, out, given) : undefined;
    const tags = { ...automation?.tags, ...given.tags };
    const objects = render(loaded.config, environment, { apps: appNames.length ? appNames : undefined, tags, defaultTag: given.defaultTag });
    if (!given.defaultTag) warnUntagged(context, loaded.config, environment, selected, tags);
    return emit(context, objects, { format, out, label: environment, markers: automation?.markers });
  },
});

/**
 * With Flux image automation (environments.E.imagePolicy): the markers to write, and the tags
 * Flux committed into the directory since the last render, for apps not given a tag now.
 */
async function imageAutomation(
  context: CommandContext,
  config: ParsedConfig,
  environment: string,
  out: string,
  given: { tags: Record<string, string>; defaultTag: string | undefined },
): Promise<{ markers: PolicyMarkers; tags: Record<string, string> } | undefined> {
  const settings = config.environments[environment]!.imagePolicy;
  if (!settings) return undefined;
  const [{ resolveEnvironment }, { policyMarkers, markedTags }, { previousFiles }] = await Promise.all([
    import('../../../config/resolve.ts'),
    import('../../../manifests/image-policy.ts'),
    import('../../../manifests/write-dir.ts'),
  ]);
  const markers = policyMarkers(resolveEnvironment(config, environment, given), settings);
  if (given.defaultTag) return { markers, tags: {} };
  const { directory, files } = await previousFiles(out, { cwd: context.cwd, environment });
  return { markers, tags: await markedTags(directory, files, markers) };
}

async function emit(
  context: CommandContext,
  objects: KubeObject[],
  options: { format: string; out: string | undefined; label: string; markers?: PolicyMarkers },
): Promise<void> {
  if (options.out) return writeDir(context, objects, options.out, options.label, options.markers);
  const { toJsonList, toYamlStream } = await import('../../../manifests/serialize.ts');
  context.out.write(options.format === 'json' ? toJsonList(objects) : toYamlStream(objects));
}

async function writeDir(context: CommandContext, objects: KubeObject[], dir: string, label: string, markers?: PolicyMarkers): Promise<void> {
  const { writeKustomization } = await import('../../../manifests/write-dir.ts');
  const written = await writeKustomization(dir, objects, { cwd: context.cwd, environment: label, markers });
  context.out.result({ ok: true, environment: label, directory: written.directory, files: written.files, removed: written.removed });
  context.out.print(`Wrote ${written.files.length} files to ${written.directory} (kustomization.yaml lists them)`);
  if (written.removed.length) context.out.print(`Removed ${written.removed.length} files for objects no longer rendered: ${written.removed.join(', ')}`);
}

/** A moving tag in rendered output is a deploy nobody can reproduce; say which apps have one. */
function warnUntagged(context: CommandContext, config: ParsedConfig, environment: string, apps: string[], tags: Record<string, string>): void {
  const image = (a: string) => config.environments[environment]!.apps?.[a]?.image ?? config.apps[a]!.image;
  const untagged = apps.filter((a) => !tags[a] && !isPinned(image(a)));
  if (untagged.length) {
    context.out.warn(`no tag for ${untagged.join(', ')}: rendering :latest (pulled on every start); pass --tag TAG for a reproducible release`);
  }
}

/**
 * `--tag T` applies to every selected app whose image has no tag of its own (a pinned
 * `postgres:16-alpine` stays pinned, `:latest` pins nothing); `--tag api=T` sets one app's tag
 * whatever it had.
 */
