import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { cli, tempDir } from './cli-harness.ts';
import { MINIMAL_YAML } from './fixtures.ts';

const GOOD_YAML = MINIMAL_YAML;

function project(config = GOOD_YAML, file = 'berth.config.yaml'): string {
  const dir = tempDir();
  writeFileSync(join(dir, file), config);
  return dir;
}

describe('berth CLI', () => {
  it('prints its version', async () => {
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("lists commands in --help and shows each command's flags", async () => {
    const main = await cli(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/init\s+write a commented starter/);
    expect(main.stdout).toMatch(/render\s+print the Kubernetes objects/);
    const render = await cli(['render', '--help']);
    expect(render.stdout).toContain('--out DIR');
    expect(render.stdout).toContain('-e, --env ENV');
  });

  it('masks passwords in errors nobody translated, even with --verbose', async () => {
    const { COMMANDS } = await import('../../src/cli/registry.ts');
    const leak = {
      name: 'leak',
      summary: 'test',
      options: {},
      run: async () => {
        throw new Error('boom at postgres://admin:hunter2@db:5432/x');
      },
    };
    COMMANDS.push(leak);
    try {
      for (const argv of [['leak'], ['leak', '--verbose']]) {
        const { code, stderr } = await cli(argv);
        expect(code).toBe(1);
        expect(stderr).toContain('postgres://admin:***@db:5432/x');
        expect(stderr).not.toContain('hunter2');
      }
    } finally {
      COMMANDS.splice(COMMANDS.indexOf(leak), 1);
    }
  });

  it('rejects unknown commands and flags with exit code 2 and a pointer to help', async () => {
    const unknown = await cli(['deplyo']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "deplyo"/);
    expect((await cli(['rendr'])).stderr).toMatch(/did you mean "render"\?/);
    expect((await cli(['db', 'craete'])).stderr).toMatch(/Unknown command "db craete" — did you mean "db create"\?/);
    const flag = await cli(['render', '--colour'], { cwd: project() });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--colour/);
    expect(flag.stderr).toMatch(/berth render --help/);
    expect(flag.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  describe('init', () => {
    it.each(['ts', 'yaml', 'json'])('writes a %s starter config that validates', async (format) => {
      const dir = tempDir();
      const init = await cli(['init', '--format', format], { cwd: dir });
      expect(init.code).toBe(0);
      expect(readdirSync(dir)).toEqual([`berth.config.${format}`]);
      if (format === 'ts') {
        // The TypeScript starter imports 'berth', which only resolves where berth is installed.
        writeFileSync(
          join(dir, 'berth.config.ts'),
          readFileSync(join(dir, 'berth.config.ts'), 'utf8').replace("from 'berth'", `from '${join(import.meta.dirname, '../../src/index.ts')}'`),
        );
      }
      const validate = await cli(['validate'], { cwd: dir });
      expect(validate.stderr).toBe('');
      expect(validate.code).toBe(0);
    });

    it('refuses to overwrite an existing config without --force', async () => {
      const dir = project();
      const again = await cli(['init', '--format', 'yaml'], { cwd: dir });
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/berth.config.yaml already exists/);
      expect(again.stderr).toMatch(/--force/);
      expect((await cli(['init', '--format', 'yaml', '--force'], { cwd: dir })).code).toBe(0);
    });

    it('will not add a second config in another format, which berth would refuse to choose between', async () => {
      const dir = project();
      const other = await cli(['init', '--format', 'json', '--force'], { cwd: dir });
      expect(other.code).toBe(2);
      expect(other.stderr).toMatch(/delete it first/);
      expect(readdirSync(dir)).toEqual(['berth.config.yaml']);
    });

    it('writes to the path given with --config, in the format of its extension', async () => {
      const dir = tempDir();
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'deploy'));
      expect((await cli(['init', '--config', 'deploy/berth.config.yaml'], { cwd: dir })).code).toBe(0);
      expect(readFileSync(join(dir, 'deploy', 'berth.config.yaml'), 'utf8')).toMatch(/^# berth config/);
      const toml = await cli(['init', '--config', 'x.toml'], { cwd: dir });
      expect(toml.code).toBe(2);
      expect(toml.stderr).toMatch(/\.ts, \.json or \.yaml/);
    });
  });

  describe('validate', () => {
    it('says the config is valid and what it contains', async () => {
      const { code, stdout } = await cli(['validate'], { cwd: project() });
      expect(code).toBe(0);
      expect(stdout).toMatch(/is valid/);
      expect(stdout).toMatch(/production \(namespace shop\): \d+ objects/);
    });

    it('lists every problem with its field path and exits 2', async () => {
      const broken = GOOD_YAML.replace('port: 3000', 'port: "3000"').replace('shop.dev', 'https://shop.dev').replace('namespace: shop', 'namespace: Shop');
      const { code, stdout, stderr } = await cli(['validate'], { cwd: project(broken) });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('3 problems');
      expect(stderr).toContain('environments.production.namespace: must be lowercase');
      expect(stderr).toContain('apps.web.port: ');
      expect(stderr).toContain('apps.web.domains[0]: must be a bare host name without a scheme');
      expect(stderr).toContain('Nothing was rendered or applied');
    });

    it('reports YAML syntax errors with their line', async () => {
      const { code, stderr } = await cli(['validate'], { cwd: project('apps:\n  web: [\n') });
      expect(code).toBe(2);
      expect(stderr).toMatch(/cannot parse YAML at line \d/);
    });

    it('loads a TypeScript config inside a "type": "commonjs" package, as `npm init` writes', async () => {
      const dir = project(`const config = ${JSON.stringify(parse(GOOD_YAML))} satisfies object;\nexport default config;\n`, 'berth.config.ts');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', type: 'commonjs' }));
      // Node's own module loader decides this, so run the built CLI as a user would.
      const bin = join(import.meta.dirname, '../../bin/berth.js');
      const result = spawnSync(process.execPath, [bin, 'validate'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });

    it('says how to install berth from a checkout when a config imports it, never `npm install berth` (it is not published)', async () => {
      const dir = project(`import { defineConfig } from 'berth';\nexport default defineConfig(${JSON.stringify(parse(GOOD_YAML))});\n`, 'berth.config.ts');
      const { code, stderr } = await cli(['validate'], { cwd: dir });
      expect(code).toBe(2);
      expect(stderr).toContain('npm install -D /path/to/berth');
      expect(stderr).not.toMatch(/npm install -D berth\b/);
    });

    it('refuses to guess between two configs in one directory', async () => {
      const dir = project();
      writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(parse(GOOD_YAML)));
      const { code, stderr } = await cli(['validate'], { cwd: dir });
      expect(code).toBe(2);
      expect(stderr).toMatch(/2 berth configs in .*: berth.config.json, berth.config.yaml/);
    });

    it('says what was found when a field has the wrong type, with the YAML fix', async () => {
      const config = GOOD_YAML.replace('port: 3000', 'port: "3000"\n    replicas: 2.5\n    env: { PORT: 3000 }');
      const { code, stderr } = await cli(['validate'], { cwd: project(config) });
      expect(code).toBe(2);
      expect(stderr).toContain('apps.web.port: must be a number, not the text "3000"; remove the quotes');
      expect(stderr).toContain('apps.web.replicas: must be a whole number, not the decimal 2.5');
      expect(stderr).toContain('apps.web.env.PORT: must be text, not the number 3000; quote it ("3000")');
    });

    it("keeps a config module's console output out of stdout", async () => {
      const dir = project(`console.log('hello from the config');\nexport default ${JSON.stringify(parse(GOOD_YAML))};`, 'berth.config.mjs');
      const bin = join(import.meta.dirname, '../../bin/berth.js');
      const result = spawnSync(process.execPath, [bin, 'render', '-o', 'json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout).kind).toBe('List');
      expect(result.stderr).toContain('hello from the config');
    });

    it('refuses arguments a command does not take and flags given twice', async () => {
      const extra = await cli(['validate', 'extra'], { cwd: project() });
      expect(extra.code).toBe(2);
      expect(extra.stderr).toMatch(/Unexpected argument "extra"/);
      const twice = await cli(['render', '-e', 'production', '-e', 'qa'], { cwd: project() });
      expect(twice.code).toBe(2);
      expect(twice.stderr).toMatch(/--env was given more than once/);
    });

    it('lists the problems as data under --json', async () => {
      const { stdout } = await cli(['validate', '--json'], { cwd: project(GOOD_YAML.replace('port: 3000', 'port: 0')) });
      expect(JSON.parse(stdout).error.issues).toEqual([{ path: 'apps.web.port', message: expect.stringMatching(/>=1/) }]);
    });

    it('explains how to start when there is no config', async () => {
      const { code, stderr } = await cli(['validate'], { cwd: tempDir() });
      expect(code).toBe(2);
      expect(stderr).toMatch(/No berth config/);
      expect(stderr).toMatch(/berth init/);
    });

    it('loads .mjs and .json configs and an explicit --config path', async () => {
      const config = parse(GOOD_YAML);
      const mjs = project(`export default ${JSON.stringify(config)};`, 'berth.config.mjs');
      expect((await cli(['validate'], { cwd: mjs })).code).toBe(0);
      const json = project(JSON.stringify(config), 'custom.json');
      expect((await cli(['validate', '--config', 'custom.json'], { cwd: json })).code).toBe(0);
      const missing = await cli(['validate', '--config', 'nope.yaml'], { cwd: json });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/Config file not found/);
    });

    it('answers in JSON for scripts, errors included', async () => {
      const ok = await cli(['validate', '--json'], { cwd: project() });
      expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, apps: ['web'], environments: [{ name: 'production', namespace: 'shop' }] });
      const bad = await cli(['validate', '--json'], { cwd: project(GOOD_YAML.replace('port: 3000', 'port: 0')) });
      expect(bad.code).toBe(2);
      expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { type: 'ConfigError', exitCode: 2 } });
    });
  });

  describe('render', () => {
    it('prints a YAML stream kubectl can apply', async () => {
      const { code, stdout } = await cli(['render', '--tag', '1.0.0'], { cwd: project() });
      expect(code).toBe(0);
      const docs = parseAllDocuments(stdout).map((d) => d.toJS());
      expect(docs.map((d) => d.kind)).toEqual([
        'Namespace',
        'Service',
        'Deployment',
        'PodDisruptionBudget',
        'Certificate',
        'Middleware',
        'Ingress',
        'NetworkPolicy',
      ]);
      expect(docs[2].spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.0.0');
    });

    it('prints a JSON List with -o json', async () => {
      const { stdout } = await cli(['render', '-o', 'json'], { cwd: project() });
      expect(JSON.parse(stdout)).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    });

    it("refuses a tag outside the environment's tag scheme, rendering nothing", async () => {
      const config = GOOD_YAML.replace('{ namespace: shop }', '{ namespace: shop, tagScheme: prod-YYYYMMDD.N }');
      const bad = await cli(['render', '--tag', 'staging-7'], { cwd: project(config) });
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toMatch(/does not match production's tag scheme "prod-YYYYMMDD.N"/);
      expect((await cli(['render', '--tag', 'prod-20260301.4'], { cwd: project(config) })).code).toBe(0);
      // No tag at all is no reason to render :latest with exit 0.
      const none = await cli(['render'], { cwd: project(config) });
      expect(none.code).toBe(2);
      expect(none.stdout).toBe('');
      expect(none.stderr).toMatch(/No image tag for web in production/);
      expect(none.stderr).toMatch(/--tag/);
    });

    it('writes a kustomization directory and prunes files of objects no longer rendered', async () => {
      const dir = project(GOOD_YAML + '  blog:\n    image: ghcr.io/acme/blog\n    port: 80\n');
      const first = await cli(['render', '--out', 'deploy'], { cwd: dir });
      expect(first.code).toBe(0);
      const out = join(dir, 'deploy');
      const kustomization = parse(readFileSync(join(out, 'kustomization.yaml'), 'utf8'));
      expect(kustomization.resources).toContain('deployment-blog.yaml');
      expect(readdirSync(out).sort()).toEqual([...kustomization.resources, 'kustomization.yaml'].sort());

      writeFileSync(join(dir, 'berth.config.yaml'), GOOD_YAML);
      const second = await cli(['render', '--out', 'deploy'], { cwd: dir });
      expect(second.stdout).toMatch(/Removed 4 files/);
      expect(existsSync(join(out, 'deployment-blog.yaml'))).toBe(false);
      expect(existsSync(join(out, 'deployment-web.yaml'))).toBe(true);
    });

    it('writes Flux image-policy markers with --out, and a re-render keeps them and the tag Flux set', async () => {
      const config = GOOD_YAML.replace('{ namespace: shop }', '{ namespace: shop, tagScheme: prod-YYYYMMDD.N, imagePolicy: {} }');
      const dir = project(config);
      expect((await cli(['render', '--out', 'deploy', '--tag', 'prod-20260301.1'], { cwd: dir })).code).toBe(0);
      const file = join(dir, 'deploy', 'deployment-web.yaml');
      const marker = '# {"$imagepolicy": "flux-system:web-production"}';
      expect(readFileSync(file, 'utf8')).toContain(`image: ghcr.io/acme/shop:prod-20260301.1 ${marker}\n`);
      // The image automation commits a newer tag into the file...
      writeFileSync(file, readFileSync(file, 'utf8').replace('shop:prod-20260301.1', 'shop:prod-20260302.7'));
      // ...and a later render (a config change, no --tag) keeps it rather than refusing or moving it.
      const again = await cli(['render', '--out', 'deploy'], { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(file, 'utf8')).toContain(`image: ghcr.io/acme/shop:prod-20260302.7 ${marker}\n`);
      expect(parse(readFileSync(file, 'utf8')).spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:prod-20260302.7');
    });

    it("refuses --out with --app, which would prune the other apps' files", async () => {
      const { code, stderr } = await cli(['render', '--out', 'deploy', '--app', 'web'], { cwd: project() });
      expect(code).toBe(2);
      expect(stderr).toMatch(/cannot be combined with --app/);
    });

    it('never overwrites a kustomization.yaml it did not write', async () => {
      const dir = project();
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'deploy'));
      writeFileSync(join(dir, 'deploy', 'kustomization.yaml'), 'resources: [mine.yaml]\n');
      const { code, stderr } = await cli(['render', '--out', 'deploy'], { cwd: dir });
      expect(code).toBe(2);
      expect(stderr).toMatch(/was not written by berth/);
      expect(readFileSync(join(dir, 'deploy', 'kustomization.yaml'), 'utf8')).toBe('resources: [mine.yaml]\n');
    });

    it('renders the shared database server on its own with --platform', async () => {
      const config = GOOD_YAML.replace('apps:', 'database: { mode: cnpg }\napps:') + '    database: true\n';
      const platform = await cli(['render', '--platform'], { cwd: project(config) });
      expect(platform.code).toBe(0);
      expect(parseAllDocuments(platform.stdout).map((d) => d.toJS().kind)).toEqual(['Namespace', 'Cluster', 'Pooler', 'Database', 'NetworkPolicy']);
      const env = await cli(['render'], { cwd: project(config) });
      expect(parseAllDocuments(env.stdout).map((d) => d.toJS().kind)).not.toContain('Cluster');
      expect((await cli(['render', '--platform', '--env', 'production'], { cwd: project(config) })).code).toBe(2);
      // With an external database there is nothing shared: no directory rather than an empty one.
      const external = await cli(['render', '--platform', '--out', 'platform'], { cwd: project() });
      expect(external.code).toBe(2);
      expect(external.stderr).toMatch(/no platform directory to write/);
    });

    it("never writes one environment over another environment's directory", async () => {
      const config = GOOD_YAML.replace(
        'production: { namespace: shop }',
        'production: { namespace: shop }\n  staging: { namespace: shop-staging, apps: { web: { domains: [staging.shop.dev] } } }',
      );
      const dir = project(config);
      expect((await cli(['render', '--env', 'production', '--out', 'deploy'], { cwd: dir })).code).toBe(0);
      const before = readdirSync(join(dir, 'deploy')).sort();
      const over = await cli(['render', '--env', 'staging', '--out', 'deploy'], { cwd: dir });
      expect(over.code).toBe(2);
      expect(over.stderr).toMatch(/holds environment production; refusing to replace it with environment staging/);
      expect(readdirSync(join(dir, 'deploy')).sort()).toEqual(before);
    });

    it('keeps tags pinned in the config when --tag is given for all apps, and warns about :latest', async () => {
      const config = GOOD_YAML + '  db:\n    image: postgres:16-alpine\n    port: 5432\n  blog:\n    image: ghcr.io/acme/blog:latest\n    port: 80\n';
      const { stdout, stderr } = await cli(['render', '--tag', '2.0.0'], { cwd: project(config) });
      const images = parseAllDocuments(stdout)
        .map((d) => d.toJS())
        .filter((o) => o.kind === 'Deployment')
        .map((o) => o.spec.template.spec.containers[0].image);
      // :latest pins nothing, so the given tag applies to it too.
      expect(images.sort()).toEqual(['ghcr.io/acme/blog:2.0.0', 'ghcr.io/acme/shop:2.0.0', 'postgres:16-alpine']);
      expect(stderr).toBe('');
      expect((await cli(['render'], { cwd: project(config) })).stderr).toMatch(/no tag for web, blog: rendering :latest/);
    });

    it('says an app is disabled in an environment rather than unknown', async () => {
      const config = GOOD_YAML.replace(
        'production: { namespace: shop }',
        'production: { namespace: shop }\n  qa: { namespace: qa, apps: { web: { enabled: false } } }',
      );
      const { code, stderr } = await cli(['render', '--env', 'qa', '--app', 'web'], { cwd: project(config) });
      expect(code).toBe(2);
      expect(stderr).toMatch(/web is disabled in qa/);
    });

    it('refuses an --out path that is a file', async () => {
      const dir = project();
      writeFileSync(join(dir, 'file'), 'x');
      const { code, stderr } = await cli(['render', '--out', 'file'], { cwd: dir });
      expect(code).toBe(2);
      expect(stderr).toMatch(/is not a directory/);
    });

    it('names unknown environments and apps', async () => {
      const env = await cli(['render', '--env', 'qa'], { cwd: project() });
      expect(env.code).toBe(2);
      expect(env.stderr).toMatch(/Unknown environment "qa"/);
      expect(env.stderr).toMatch(/Environments in .*: production/);
      const app = await cli(['render', '--app', 'api'], { cwd: project() });
      expect(app.code).toBe(2);
      expect(app.stderr).toMatch(/Unknown app in production: api/);
    });
  });
});
