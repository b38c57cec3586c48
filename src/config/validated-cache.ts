/**
 * Validated configs by their content. Every command reads the same config again and again, and
 * loading zod and validating costs 50–80 ms of each command's start on a small machine (a fifth
 * of a one-app deploy's time before it applies anything). The key is the config exactly as read
 * and this build of berth (a hash of its sources, set by scripts/build.mjs); only plain JSON data
 * is kept — a config with a function or a Date in it, or a result JSON cannot carry back
 * unchanged, is validated every time. A config names secrets, it does not hold them.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ValidConfig } from './validate.ts';

declare const __BERTH_BUILD__: string | undefined;
/** Unset when berth runs from its sources (tests, `node src/...`): nothing is cached then. */
const BUILD = typeof __BERTH_BUILD__ === 'string' ? __BERTH_BUILD__ : undefined;

export function validatedCacheDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'berth', 'validated');
}

/** The cache key of a config as read from `file`; undefined when it is not plain JSON data (or berth is not built). */
export function validatedCacheKey(raw: unknown, file: string, build = BUILD): string | undefined {
  if (!build || !plainJson(raw)) return undefined;
  return createHash('sha256')
    .update(`${build}\0${file}\0${JSON.stringify(raw)}`)
    .digest('hex');
}

export function readValidated(dir: string, key: string): ValidConfig | undefined {
  try {
    const found = JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) as ValidConfig;
    return found && typeof found.config === 'object' && Array.isArray(found.warnings) ? found : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written is only slower. */
export function writeValidated(dir: string, key: string, result: ValidConfig): void {
  if (!plainJson(result)) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temporary = join(dir, `${key}.${process.pid}.tmp`);
    writeFileSync(temporary, JSON.stringify(result), { mode: 0o600 });
    renameSync(temporary, join(dir, `${key}.json`));
  } catch {
    // Read-only home, full disk: validate next time too.
  }
}

/** Values JSON carries back exactly: no undefined, functions, Dates, Maps, NaN or Infinity. */
export function plainJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => plainJson(item, depth + 1));
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((item) => item !== undefined && plainJson(item, depth + 1));
}
