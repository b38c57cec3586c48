import { defineCommand } from '../../command.ts';
import { loadProject } from '../../project.ts';

export default defineCommand({
  name: 'validate',
  summary: 'check the config and report every problem with its field path',
  options: {},
  examples: ['berth validate', 'berth validate --config deploy/berth.config.yaml --json'],
  async run(context) {
    const loaded = await loadProject(context);
    const { render } = await import('../../../render/index.ts');
    const { exampleTag } = await import('../../../config/tag-scheme.ts');
    const { config } = loaded;
    // Rendering every environment proves the config is usable, not merely well-formed; with a
    // tag that fits each environment's scheme, since a deploy always names one.
    const environments = Object.keys(config.environments).map((name) => ({
      name,
      namespace: config.environments[name]!.namespace,
      objects: render(config, name, { defaultTag: exampleTag(config.environments[name]!.tagScheme) }).length,
    }));
    const apps = Object.keys(config.apps).sort();
    context.out.result({ ok: true, file: loaded.file, apps, environments, warnings: loaded.warnings });
    const { out } = context;
    out.print(`${out.paint('green', '✓')} ${loaded.file} is valid`);
    out.print(`  apps: ${apps.join(', ')}`);
    for (const env of environments) out.print(`  ${env.name} (namespace ${env.namespace}): ${env.objects} objects`);
    if (loaded.warnings.length) out.print(`  ${loaded.warnings.length} warning${loaded.warnings.length > 1 ? 's' : ''} above`);
  },
});
