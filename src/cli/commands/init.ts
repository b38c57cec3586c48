import { stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { CONFIG_FILES } from '../../config/load.ts';
import { STARTER_OBJECT, STARTER_TS } from '../../config/starter.ts';
import { BerthError, ExitCode, UsageError } from '../../errors.ts';
import type { CommandContext } from '../command.ts';

const FORMATS: Record<string, { file: string; content: () => string }> = {
  ts: { file: 'berth.config.ts', content: () => STARTER_TS },
  json: { file: 'berth.config.json', content: () => `${JSON.stringify(STARTER_OBJECT, null, 2)}\n` },
  yaml: {
    file: 'berth.config.yaml',
    content: () => `# berth config: check it with \`berth validate\`, see the objects with \`berth render\`.\n# Every field is described in the README's config reference.\n${dump(STARTER_OBJECT, { lineWidth: -1 })}`,
  },
};
const BY_EXTENSION: Record<string, string> = { '.ts': 'ts', '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' };

export async function run(context: CommandContext): Promise<void> {
  const target = context.configFile ? resolve(context.cwd, context.configFile) : undefined;
  const format = String(context.options.format ?? (target ? BY_EXTENSION[extname(target)] : 'ts'));
  const chosen = FORMATS[format];
  if (!chosen) {
    throw new UsageError(target && !context.options.format ? `--config ${context.configFile}: berth writes .ts, .json or .yaml configs` : `--format must be ts, json or yaml, not "${format}"`);
  }
  const path = target ?? join(context.cwd, chosen.file);
  const dir = dirname(path);
  // Another berth config beside the new one would make `berth` refuse to choose between them.
  const others = [];
  for (const name of CONFIG_FILES) {
    if (await stat(join(dir, name)).then(() => true, () => false)) others.push(name);
  }
  const replacing = others.includes(basename(path));
  if (others.length && !(context.options.force && replacing && others.length === 1)) {
    throw new BerthError(`${others.join(', ')} already exists in ${dir}`, {
      exitCode: ExitCode.usage,
      hint: replacing && others.length === 1 ? 'Edit it, or run `berth init --force` to replace it.' : 'Edit the existing config, or delete it first to start over in another format.',
    });
  }
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    throw new UsageError(`${dir} is not a directory`, { hint: 'Create it first, or give --config a path in an existing directory.' });
  }
  await writeFile(path, chosen.content());
  context.out.result({ ok: true, file: path });
  context.out.print(`Wrote ${path}`);
  context.out.print('Next: edit the apps and domains, then run `berth validate` and `berth render`.');
  if (format === 'ts' && !resolvable('berth', dir)) {
    context.out.print('The file imports defineConfig from berth: install berth in this project from a checkout (`npm install -D /path/to/berth`; see its README).');
  }
}

function resolvable(name: string, cwd: string): boolean {
  try {
    createRequire(join(cwd, 'noop.js')).resolve(name);
    return true;
  } catch {
    return false;
  }
}
