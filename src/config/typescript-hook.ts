/**
 * berth.config.ts is always an ES module, but Node decides a .ts file's module kind from the
 * nearest package.json, and `npm init` now writes `"type": "commonjs"`. A load hook marks the
 * config files berth imports as ES modules in TypeScript, whatever the package says.
 */
import { registerHooks } from 'node:module';

const configUrls = new Set<string>();
let registered = false;

export function treatAsTypeScriptModule(url: string): void {
  configUrls.add(url);
  if (registered) return;
  registered = true;
  registerHooks({
    load(target, context, nextLoad) {
      const bare = target.split('?')[0]!;
      return configUrls.has(bare) ? nextLoad(target, { ...context, format: 'module-typescript' }) : nextLoad(target, context);
    },
  });
}
