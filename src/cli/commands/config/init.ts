import { stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { BerthError, ExitCode, UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';

const FORMATS: Record<string, { file: string; content: () => Promise<string> }> = {
  ts: { file: 'berth.config.ts', content: async () => (await import('../../../config/starter.ts')).STARTER_TS },
  json: { file: 'berth.config.json', content: async () => `${JSON.stringify((await import('../../../config/starter.ts')).STARTER_OBJECT, null, 2)}\n` },
  yaml: {
    file: 'berth.config.yaml',
    content: async () => {
      const [{ dump }, { STARTER_OBJECT }] = await Promise.all([import('js-yaml'), import('../../../config/starter.ts')]);
      return `# berth config: check it with \`berth validate\`, see the objects with \`berth render --tag TAG\`.\n# Every field is described in the README's config reference.\n${dump(STARTER_OBJECT, { lineWidth: -1 })}`;
    },
  },
};
const BY_EXTENSION: Record<string, string> = { '.ts': 'ts', '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' };

export default defineCommand({
  name: 'init',
  summary: 'write a commented starter berth.config.ts',
  options: {
    force: { type: 'boolean', description: 'overwrite an existing config file' },
    format: { type: 'string', value: 'ts|json|yaml', description: 'file format (default: ts)' },
  },
  async run(context) {
    const { CONFIG_FILES } = await import('../../../config/load.ts');
    const target = context.configFile ? resolve(context.cwd, context.configFile) : undefined;
    const format = String(context.options.format ?? (target ? BY_EXTENSION[extname(target)] : 'ts'));
    const chosen = FORMATS[format];
    if (!chosen) {
      throw new UsageError(
        target && !context.options.format
          ? `--config ${context.configFile}: berth writes .ts, .json or .yaml configs`
          : `--format must be ts, json or yaml, not "${format}"`,
      );
    }
    const path = target ?? join(context.cwd, chosen.file);
    const dir = dirname(path);
    // Another berth config beside the new one would make `berth` refuse to choose between them.
    const others = [];
    for (const name of CONFIG_FILES) {
      if (
        await stat(join(dir, name)).then(
          () => true,
          () => false,
        )
      )
        others.push(name);
    }
    const replacing = others.includes(basename(path));
    if (others.length && !(context.options.force && replacing && others.length === 1)) {
      throw new BerthError(`${others.join(', ')} already exists in ${dir}`, {
        exitCode: ExitCode.usage,
        hint:
          replacing && others.length === 1
            ? 'Edit it, or run `berth init --force` to replace it.'
            : 'Edit the existing config, or delete it first to start over in another format.',
      });
    }
    if (
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw new UsageError(`${dir} is not a directory`, { hint: 'Create it first, or give --config a path in an existing directory.' });
    }
    await writeFile(path, await chosen.content());
    context.out.result({ ok: true, file: path });
    context.out.print(`Wrote ${path}`);
    context.out.print('Next: edit the apps and domains, then run `berth validate` and `berth render --tag TAG` (the tag of the build to run).');
    if (format === 'ts' && !resolvable('berth', dir)) {
      context.out.print(
        'The file imports defineConfig from berth: install berth in this project from a checkout (`npm install -D /path/to/berth`; see its README).',
      );
    }
  },
});

function resolvable(name: string, cwd: string): boolean {
  try {
    createRequire(join(cwd, 'noop.js')).resolve(name);
    return true;
  } catch {
    return false;
  }
}
