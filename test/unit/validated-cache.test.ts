import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plainJson, readValidated, validatedCacheKey, writeValidated } from '../../src/config/validated-cache.ts';
import { tempDir } from './cli-harness.ts';
import { MINIMAL_YAML } from './fixtures.ts';

/** The built CLI, as a user runs it (the cache is keyed on the build, so sources never use it). */
function validate(dir: string, cache: string) {
  const bin = join(import.meta.dirname, '../../bin/berth.js');
  return spawnSync(process.execPath, [bin, 'validate'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cache } });
}

describe('the validated-config cache', () => {
  it('keeps only what JSON carries back exactly', () => {
    expect(plainJson({ a: [1, 'x', true, null, { b: 2.5 }] })).toBe(true);
    for (const value of [{ a: undefined }, { a: () => 1 }, { a: new Date(0) }, { a: Number.NaN }, { a: Infinity }, { a: new Map() }, [1, undefined]]) {
      expect(plainJson(value)).toBe(false);
    }
  });

  it('keys on the build, the file and the config exactly; nothing without a build or for a config that is not plain data', () => {
    const key = validatedCacheKey({ apps: {} }, '/p/berth.config.ts', 'b1');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(validatedCacheKey({ apps: {} }, '/p/berth.config.ts', 'b1')).toBe(key);
    expect(validatedCacheKey({ apps: {} }, '/p/berth.config.ts', 'b2')).not.toBe(key);
    expect(validatedCacheKey({ apps: {} }, '/q/berth.config.ts', 'b1')).not.toBe(key);
    expect(validatedCacheKey({ apps: { web: {} } }, '/p/berth.config.ts', 'b1')).not.toBe(key);
    expect(validatedCacheKey({ apps: {} }, '/p/berth.config.ts', undefined)).toBeUndefined();
    expect(validatedCacheKey({ apps: {}, when: new Date(0) }, '/p/berth.config.ts', 'b1')).toBeUndefined();
  });

  it('reads back what it wrote; a damaged entry is a miss', () => {
    const dir = tempDir();
    const result = { config: { apps: {} }, warnings: [{ path: 'apps', message: 'none' }] } as never;
    writeValidated(dir, 'k', result);
    expect(readValidated(dir, 'k')).toEqual(result);
    writeFileSync(join(dir, 'd.json'), '{"config": ');
    expect(readValidated(dir, 'd')).toBeUndefined();
    expect(readValidated(dir, 'missing')).toBeUndefined();
  });

  it('the built CLI validates a config once, answers from the cache after, and validates a changed config afresh', () => {
    const dir = tempDir();
    const cache = tempDir();
    writeFileSync(join(dir, 'berth.config.yaml'), MINIMAL_YAML);
    const first = validate(dir, cache);
    expect(first.status, first.stderr).toBe(0);
    const entries = readdirSync(join(cache, 'berth', 'validated'));
    expect(entries).toHaveLength(1);
    // Proof the second run reads the entry: a warning only the cache holds is printed.
    const entry = join(cache, 'berth', 'validated', entries[0]!);
    const stored = JSON.parse(readFileSync(entry, 'utf8'));
    writeFileSync(entry, JSON.stringify({ ...stored, warnings: [{ path: 'apps.web', message: 'said by the cache' }] }));
    const second = validate(dir, cache);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout + second.stderr).toContain('said by the cache');
    // A changed config is another key: validated, and its error reported.
    writeFileSync(join(dir, 'berth.config.yaml'), MINIMAL_YAML.replace('port: 3000', 'port: seventy'));
    const changed = validate(dir, cache);
    expect(changed.status).toBe(2);
    expect(changed.stderr).toMatch(/apps\.web\.port/);
    expect(changed.stderr + changed.stdout).not.toContain('said by the cache');
  });
});
