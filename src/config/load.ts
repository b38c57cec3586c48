/**
 * Finds and reads a config file. TypeScript configs run through Node's own type stripping, so
 * loading needs no compiler; JSON and YAML are parsed with positions in their errors.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BerthError, ConfigError, ExitCode } from '../errors.ts';
import { ioTurn } from '../io-turn.ts';
import { treatAsTypeScriptModule } from './typescript-hook.ts';
import { readValidated, validatedCacheDir, validatedCacheKey, writeValidated } from './validated-cache.ts';
import type { ValidConfig } from './validate.ts';

export const CONFIG_FILES = [
  'berth.config.ts',
  'berth.config.mts',
  'berth.config.mjs',
  'berth.config.js',
  'berth.config.json',
  'berth.config.yaml',
  'berth.config.yml',
];

export interface LoadedConfig extends ValidConfig {
  file: string;
}

export async function findConfigFile(cwd: string, explicit?: string): Promise<string> {
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (!(await isFile(file))) {
      throw new BerthError(`Config file not found: ${file}`, { exitCode: ExitCode.usage, hint: 'Check the --config path.' });
    }
    return file;
  }
  const found: string[] = [];
  for (const name of CONFIG_FILES) {
    if (await isFile(resolve(cwd, name))) found.push(name);
  }
  if (found.length > 1) {
    // Silently preferring one would leave edits to the other without effect.
    throw new BerthError(`${found.length} berth configs in ${cwd}: ${found.join(', ')}`, {
      exitCode: ExitCode.usage,
      hint: 'Keep one and delete the others, or choose one with --config.',
    });
  }
  if (found.length === 1) return resolve(cwd, found[0]!);
  throw new BerthError(`No berth config in ${cwd}`, {
    exitCode: ExitCode.usage,
    hint: 'Run `berth init` to write a starter berth.config.ts, or pass --config PATH.',
  });
}

export async function readConfigFile(file: string): Promise<unknown> {
  const ext = extname(file);
  if (ext === '.json' || ext === '.yaml' || ext === '.yml') {
    const text = await readFile(file, 'utf8');
    if (ext === '.json') {
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new ConfigError([{ path: '', message: `cannot parse JSON: ${firstLine(error)}` }], file);
      }
    }
    const parsed = (await import('./parse-yaml.ts')).parseYaml(text);
    if ('value' in parsed) return parsed.value;
    const where = parsed.problem.line === undefined ? '' : ` at line ${parsed.problem.line}`;
    throw new ConfigError([{ path: '', message: `cannot parse YAML${where}: ${parsed.problem.message}` }], file);
  }
  if (!['.ts', '.mts', '.mjs', '.js'].includes(ext)) {
    throw new BerthError(`Unsupported config file type: ${file}`, { exitCode: ExitCode.usage, hint: `Use one of ${CONFIG_FILES.join(', ')}.` });
  }
  const { mtimeMs } = await stat(file);
  const url = pathToFileURL(file).href;
  if (ext === '.ts') treatAsTypeScriptModule(url);
  let module: { default?: unknown };
  try {
    // The query makes a re-read after an edit load the new file instead of the cached module.
    module = (await withConsoleOnStderr(() => import(`${url}?mtime=${mtimeMs}`))) as { default?: unknown };
  } catch (error) {
    const missingBerth = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /'berth'/.test(firstLine(error));
    throw new ConfigError(
      [{ path: '', message: `cannot load the config module: ${firstLine(error)}` }],
      file,
      missingBerth
        ? 'The config imports defineConfig from berth: install berth in this project from a checkout (`npm install -D /path/to/berth`; berth is not on the npm registry yet), or write the config as berth.config.json or .yaml.'
        : undefined,
    );
  }
  if (module.default === undefined) {
    throw new ConfigError([{ path: '', message: 'the file has no default export; end it with `export default defineConfig({ … })`' }], file);
  }
  return module.default;
}

export interface LoadOptions {
  cwd?: string;
  file?: string;
  /**
   * Sees the config as read, before it is validated (unvalidated: read defensively). A command
   * can start its read-only cluster requests here, so that the API server answers while zod
   * loads and validates (the validator is imported only after this returns).
   */
  onRead?: (raw: unknown) => Promise<void>;
  /** Where validated configs are kept (config/validated-cache.ts); null: validate every time. */
  cacheDir?: string | null;
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const file = await findConfigFile(options.cwd ?? process.cwd(), options.file);
  const raw = await readConfigFile(file);
  await options.onRead?.(raw);
  // A config validated before by this build is not validated again (zod is not even loaded).
  const cacheDir = options.cacheDir ?? validatedCacheDir();
  const key = options.cacheDir === null ? undefined : validatedCacheKey(raw, file);
  const cached = key ? readValidated(cacheDir, key) : undefined;
  if (cached) return { file, ...cached };
  const { validateConfig } = await import('./validate.ts');
  // What onRead started may have its first answers by now: take them in before validating.
  if (options.onRead) await ioTurn();
  const validated = validateConfig(raw, file);
  if (key) writeValidated(cacheDir, key, validated);
  return { file, ...validated };
}

/**
 * A config module is code: a stray console.log in it must not end up inside `render`'s YAML on
 * stdout, so while it loads, console output goes to stderr.
 */
async function withConsoleOnStderr<T>(load: () => Promise<T>): Promise<T> {
  const { log, info, debug } = console;
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  try {
    return await load();
  } finally {
    Object.assign(console, { log, info, debug });
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
