import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { CONFIG_FILES } from '../../config/load.ts';
import { STARTER_OBJECT, STARTER_TS } from '../../config/starter.ts';
import { BerthError, ExitCode, UsageError } from '../../errors.ts';
import type { CommandContext } from '../command.ts';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';

const FORMATS: Record<string, { file: string; content: () => string }> = {
  ts: { file: 'berth.config.ts', content: () => STARTER_TS },
  json: { file: 'berth.config.json', content: () => `${JSON.stringify(STARTER_OBJECT, null, 2)}\n` },
  yaml: { file: 'berth.config.yaml', content: () => `# berth config: check with \`berth validate\`\n${dump(STARTER_OBJECT, { lineWidth: -1 })}` },
};

export async function run(context: CommandContext): Promise<void> {
  const format = String(context.options.format ?? 'ts');
  const chosen = FORMATS[format];
  if (!chosen) throw new UsageError(`--format must be ts, json or yaml, not "${format}"`);
  const existing = [];
  for (const name of CONFIG_FILES) {
    if (await stat(join(context.cwd, name)).then(() => true, () => false)) existing.push(name);
  }
  if (existing.length && !context.options.force) {
    throw new BerthError(`${existing.join(', ')} already exists in ${context.cwd}`, {
      exitCode: ExitCode.usage,
      hint: 'Edit it, or run `berth init --force` to replace it.',
    });
  }
  const path = join(context.cwd, chosen.file);
  await writeFile(path, chosen.content());
  context.out.result({ ok: true, file: path });
  context.out.print(`Wrote ${path}`);
  context.out.print('Next: edit the apps and domains, then run `berth validate` and `berth render`.');
  if (format === 'ts' && !resolvable('berth', context.cwd)) {
    context.out.print('The file imports defineConfig from berth: install it in the project with `npm install -D berth`.');
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
