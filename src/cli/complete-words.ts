/** `berth __complete WORD…`: the config's names (when it loads) handed to the pure completer. */
import { candidates, type Names } from './completion.ts';

export async function completeWords(words: string[], cwd: string): Promise<string[]> {
  const at = words.findIndex((w) => w === '--config' || w === '-c');
  const file = at >= 0 ? words[at + 1] : undefined;
  let names: Names | undefined;
  try {
    const [{ loadConfig }, { resolveEnvironment }] = await Promise.all([import('../config/load.ts'), import('../config/resolve.ts')]);
    const { config } = await loadConfig({ cwd, file });
    const environments = Object.keys(config.environments);
    const apps = environments.length ? resolveEnvironment(config, environments[0]!).apps : [];
    names = {
      environments,
      apps: Object.keys(config.apps).map((name) => {
        const app = apps.find((a) => a.name === name);
        return { name, processes: app?.processes.map((p) => p.name) ?? [], cron: app?.cron.map((c) => c.name) ?? [] };
      }),
    };
  } catch {
    // No config here, or an invalid one: complete commands and flags only.
  }
  return candidates(words.length ? words : [''], names);
}
