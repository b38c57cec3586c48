// Bundles the CLI and the library with esbuild and emits type declarations with tsc.
// Dependencies are bundled too: @kubernetes/client-node alone is hundreds of files, and loading
// them one by one took ~0.8 s against ~0.3 s from one bundled chunk. Code is split into chunks so
// each command loads only what it imports.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// This build's identity: the validated-config cache (src/config/validated-cache.ts) keys on it, so
// a changed validator (berth's sources, or zod's version in the lockfile) never meets old results.
const buildHash = createHash('sha256');
const sources = readdirSync(new URL('../src', import.meta.url), { recursive: true })
  .map(String)
  .sort();
for (const file of sources.filter((f) => f.endsWith('.ts'))) buildHash.update(file).update(readFileSync(new URL(`../src/${file}`, import.meta.url)));
for (const file of ['package.json', 'package-lock.json']) {
  const url = new URL(`../${file}`, import.meta.url);
  if (existsSync(url)) buildHash.update(readFileSync(url));
}
const buildId = buildHash.digest('hex').slice(0, 16);

const result = await build({
  entryPoints: { cli: 'src/cli/bin.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // pg's optional native driver is not installed; pg falls back to JavaScript without it.
  external: ['pg-native'],
  // Bundled CommonJS dependencies call require(); give the ESM output one.
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  minifySyntax: true,
  minifyWhitespace: true,
  chunkNames: 'chunks/[name]-[hash]',
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version), __BERTH_BUILD__: JSON.stringify(buildId) },
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
});
// Which chunk holds which source: a test checks start-up loads no heavy library.
writeFileSync(new URL('../dist/metafile.json', import.meta.url), JSON.stringify(result.metafile));

// The library's type declarations; the container image skips them (`--no-types`): nothing there imports berth.
if (!process.argv.includes('--no-types')) execFileSync('tsc', ['-p', 'tsconfig.build.json'], { stdio: 'inherit' });
