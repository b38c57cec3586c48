// A local stand-in for node:24-<suite>-slim, which cannot be pulled here (no registry): Debian's
// minbase root filesystem from mmdebstrap (what debian:<suite>-slim is), the Node binary of the
// project's pinned `node` devDependency, npm from the npm registry, and the `node` user (1000),
// imported into podman's storage under the official name so the Dockerfile builds unchanged.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, say, step } from '../run.ts';
import { imageDir, podman } from './podman.ts';

/** Node 24 bundles npm 11; the stand-in carries the same major (pinned for a reproducible base). */
export const NPM_VERSION = '11.21.2';
/** bookworm ships postgresql-client 15, trixie 17: the suite decides pg_dump's major version. */
export const SUITES = ['bookworm', 'trixie'] as const;
export type Suite = (typeof SUITES)[number];

const repoRoot = join(import.meta.dirname, '..', '..');
const baseDir = join(imageDir, 'base');
const BASE_LABEL = 'dev.berth.base';

export function baseImageName(suite: Suite): string {
  return `docker.io/library/node:24-${suite}-slim`;
}

/** The Node binary npm ci put in node_modules (the `node` package), and its version. */
async function nodeBinary(): Promise<{ path: string; version: string }> {
  const path = join(repoRoot, 'node_modules', 'node', 'bin', 'node');
  const pkg = join(repoRoot, 'node_modules', 'node', 'package.json');
  if (!existsSync(path) || !existsSync(pkg)) throw new Error(`${path} is missing: run npm ci first (the node@24 devDependency provides the image's Node)`);
  const { version } = JSON.parse(await readFile(pkg, 'utf8')) as { version: string };
  if (!version.startsWith('24.')) throw new Error(`the node devDependency is ${version}; the base image stands in for node:24`);
  return { path, version };
}

/**
 * The host's own Debian sources (so the mirror it reaches is the one used, and no host name is
 * written here), with the suite swapped for `suite`; Debian's default mirror when there is none.
 */
async function sourcesFile(suite: Suite): Promise<string | undefined> {
  const host = '/etc/apt/sources.list.d/debian.sources';
  if (!existsSync(host)) return undefined;
  const text = (await readFile(host, 'utf8')).replace(/^(Suites:.*)$/gm, (line) => line.replace(/\b(bookworm|trixie)\b/g, suite));
  const path = join(baseDir, `${suite}.sources`);
  await writeFile(path, text);
  return path;
}

async function npmTarball(): Promise<string> {
  const path = join(baseDir, `npm-${NPM_VERSION}.tgz`);
  if (existsSync(path)) return path;
  await step(`npm pack npm@${NPM_VERSION}`, () =>
    run(['npm', 'pack', `npm@${NPM_VERSION}`, '--pack-destination', baseDir, '--silent'], { timeoutMs: 5 * 60_000 }),
  );
  if (!existsSync(path)) throw new Error(`npm pack did not produce ${path}`);
  return path;
}

const sh = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** Shell commands mmdebstrap runs with $1 = the new root: what the official Dockerfile adds. */
function customizeHooks(node: string, npm: string, sources: string | undefined): string[] {
  const lib = '"$1"/usr/local/lib/node_modules/npm';
  return [
    `rm -f "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/*`,
    sources ? `cp ${sh(sources)} "$1"/etc/apt/sources.list.d/debian.sources` : `true`,
    `chroot "$1" groupadd --gid 1000 node && chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node`,
    `install -m 0755 ${sh(node)} "$1"/usr/local/bin/node`,
    `mkdir -p ${lib} && tar -xzf ${sh(npm)} -C ${lib} --strip-components=1 --no-same-owner`,
    `ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1"/usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1"/usr/local/bin/npx`,
    `rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/tmp/*`,
  ];
}

/** What debian's slim images leave out (their /etc/dpkg/dpkg.cfg.d/docker), kept for later installs too. */
const SLIM_EXCLUDES = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/locale/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/groff/*',
  'path-exclude=/usr/share/lintian/*',
];

/**
 * Makes the base tarball (cached under ~/.cache/berth/image/base, reused while its inputs are the
 * same) and imports it as node:24-<suite>-slim unless that image is already this tarball.
 */
export async function ensureBase(suite: Suite): Promise<string> {
  await mkdir(baseDir, { recursive: true });
  const node = await nodeBinary();
  const npm = await npmTarball();
  const sources = await sourcesFile(suite);
  const hooks = customizeHooks(node.path, npm, sources);
  const key = createHash('sha256')
    // The hooks as if the node binary sat at one fixed path: a checkout elsewhere (every CI clone)
    // holds the same binary, and must not rebuild the base.
    .update(
      JSON.stringify({
        suite,
        node: node.version,
        npm: NPM_VERSION,
        sources: sources ? await readFile(sources, 'utf8') : '',
        hooks: customizeHooks('NODE', npm, sources),
        SLIM_EXCLUDES,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const tarball = join(baseDir, `node-${node.version}-${suite}-${key}.tar`);
  const name = baseImageName(suite);
  if (!existsSync(tarball)) {
    // Older tarballs of this suite are superseded: keep the cache to one per suite.
    const stale = readdirSync(baseDir).filter((f) => f.startsWith('node-') && f.includes(`-${suite}-`) && f.endsWith('.tar'));
    for (const old of stale) await rm(join(baseDir, old));
    const partial = `${tarball}.partial`;
    await step(`mmdebstrap ${suite} minbase + node ${node.version} + npm ${NPM_VERSION}`, () =>
      run(
        [
          'mmdebstrap',
          '--variant=minbase',
          '--include=libstdc++6',
          ...SLIM_EXCLUDES.map((option) => `--dpkgopt=${option}`),
          ...hooks.map((hook) => `--customize-hook=${hook}`),
          '--format=tar',
          suite,
          partial,
          ...(sources ? [sources] : []),
        ],
        { timeoutMs: 20 * 60_000 },
      ),
    );
    await rename(partial, tarball);
  }
  const current = await podman(['image', 'inspect', '--format', `{{ index .Labels "${BASE_LABEL}" }}`, name]).catch(() => ({ stdout: '' }));
  if (current.stdout.trim() === key) return name;
  say(`${name}: importing ${tarball}`);
  await podman(
    [
      'import',
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      `ENV NODE_VERSION=${node.version}`,
      '--change',
      `LABEL ${BASE_LABEL}=${key}`,
      '--change',
      'CMD ["node"]',
      tarball,
      name,
    ],
    { timeoutMs: 5 * 60_000 },
  );
  return name;
}
