// Builds the repository's Dockerfile into localhost/berth:<version> and :dev with podman, offline
// apart from the Debian mirror and the npm registry: the node base is made locally (base.ts) and
// never pulled. podman's layer cache makes a warm build a few seconds.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withLock } from '../lock.ts';
import { run, say, step } from '../run.ts';
import { ensureBase, type Suite } from './base.ts';
import { imageDir, podman, podmanInstalled } from './podman.ts';
import { SOURCE_LABEL, sourceStamp } from './stamp.ts';
import { ensureTools } from './tools.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

export const BERTH_VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
/** What tests and the demo run; the version tag is what cluster.berthImage names. */
export const IMAGE = `localhost/berth:${BERTH_VERSION}`;
export const DEV_IMAGE = 'localhost/berth:dev';
const BUILD_CACHE_IMAGE = 'localhost/berth-build-cache';

export interface BuildOptions {
  suite?: Suite;
  /** Fail unless the image's pg_dump is at least this major (the server's): pg_dump refuses newer servers. */
  minPgMajor?: number;
  /** Run podman build even when the image was built from this very source. */
  force?: boolean;
}

export interface BuildResult {
  image: string;
  suite: Suite;
  pgClientMajor: number;
  seconds: number;
  /** False when the image was already built from this source. */
  built: boolean;
  /** The image's ID: what this process runs from now on (see runImage). */
  id: string;
}

let lastBuiltId: string | undefined;

/**
 * What runInImage runs by default: the image ID this process's buildImage produced, so a build
 * from another work tree retagging IMAGE meanwhile (they share the storage) cannot swap it
 * under a running test; IMAGE when this process built nothing.
 */
export function runImage(): string {
  return lastBuiltId ?? IMAGE;
}

/**
 * npm inside the build must trust what the host trusts (an egress that re-signs TLS needs its CA)
 * and use the host's registry. npm's global config is $PREFIX/etc/npmrc = /usr/local/etc/npmrc,
 * mounted read-only into the build's RUN steps only: nothing of it ends up in a layer.
 */
async function npmConfigDir(): Promise<string> {
  const dir = join(imageDir, 'npm-etc');
  await mkdir(dir, { recursive: true });
  const lines: string[] = [];
  const bundle = [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find((path) => path && existsSync(path));
  if (bundle) {
    await copyFile(bundle, join(dir, 'ca.crt'));
    lines.push('cafile=/usr/local/etc/ca.crt');
  }
  const registry = (await run(['npm', 'config', 'get', 'registry']).catch(() => ({ stdout: '' }))).stdout.trim();
  if (/^https?:\/\//.test(registry)) lines.push(`registry=${registry}`);
  await writeFile(join(dir, 'npmrc'), `${lines.join('\n')}\n`);
  return dir;
}

/** Major version of the image's pg_dump, e.g. 15 for "pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)". */
export async function pgClientMajor(image: string): Promise<number> {
  const { stdout } = await podman(['run', '--rm', '--entrypoint', 'pg_dump', image, '--version']);
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
  if (!match) throw new Error(`cannot read pg_dump's version from "${stdout.trim()}"`);
  return Number(match[1]);
}

async function currentStamp(): Promise<string | undefined> {
  if (!podmanInstalled()) return undefined;
  const { stdout } = await podman(['image', 'inspect', '--format', `{{ index .Labels "${SOURCE_LABEL}" }}`, IMAGE]).catch(() => ({ stdout: '' }));
  return stdout.trim() || undefined;
}

/** True when IMAGE exists and was built from the current source (for `suite`). */
export async function imageIsCurrent(suite: Suite = 'bookworm'): Promise<boolean> {
  return (await currentStamp()) === (await sourceStamp(suite));
}

/**
 * Builds IMAGE unless it was built from this source already; one build at a time across
 * processes (prepare.sh and a test run starting together share the one result).
 */
export async function buildImage(options: BuildOptions = {}): Promise<BuildResult> {
  const suite = options.suite ?? 'bookworm';
  return withLock(() => buildLocked(suite, options), { lockDir: join(imageDir, 'lock') });
}

async function buildLocked(suite: Suite, options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const stamp = await sourceStamp(suite);
  const built = options.force || (await currentStamp()) !== stamp;
  if (built) {
    await ensureTools();
    await ensureBase(suite);
    await podmanBuild(suite, stamp);
  }
  const id = (await podman(['image', 'inspect', '--format', '{{ .Id }}', IMAGE])).stdout.trim();
  const pgMajor = await pgClientMajor(id);
  if (options.minPgMajor !== undefined && pgMajor < options.minPgMajor) {
    throw new Error(
      `${IMAGE} has pg_dump ${pgMajor}, older than the server's ${options.minPgMajor}: pg_dump refuses newer servers. ` +
        `Build on a suite with a newer client: npm run image -- build --suite trixie (PostgreSQL 17)`,
    );
  }
  const seconds = (Date.now() - started) / 1000;
  say(`${IMAGE} (also ${DEV_IMAGE}): ${built ? 'built' : 'up to date'}, ${suite}, pg_dump ${pgMajor}, ${seconds.toFixed(1)}s`);
  lastBuiltId = id;
  return { image: IMAGE, suite, pgClientMajor: pgMajor, seconds, built, id };
}

async function podmanBuild(suite: Suite, stamp: string): Promise<void> {
  const npmEtc = await npmConfigDir();
  const log = join(imageDir, 'build.log');
  await rm(log, { force: true });
  const common = [
    'build',
    '--pull=never',
    // The build's RUN steps reach the Debian mirror and the npm registry through the host's network;
    // the default would be a bridge (and iptables rules) on the host.
    '--network=host',
    '--build-arg',
    `DEBIAN_SUITE=${suite}`,
    '--volume',
    `${npmEtc}:/usr/local/etc:ro`,
    '--file',
    join(repoRoot, 'Dockerfile'),
  ];
  const options = { timeoutMs: 30 * 60_000, logFile: log };
  await step(`podman build ${IMAGE} (${suite}; log: ${log})`, async () => {
    await podman(
      [...common, '--label', `dev.berth.suite=${suite}`, '--label', `${SOURCE_LABEL}=${stamp}`, '--tag', IMAGE, '--tag', DEV_IMAGE, repoRoot],
      options,
    );
    // The build stage is no parent of the final image, so pruning would take it (and with it the
    // cached npm ci layer) unless tagged; the second build is all cache hits.
    await podman([...common, '--target', 'build', '--tag', `${BUILD_CACHE_IMAGE}:${suite}`, repoRoot], options);
  });
  // What superseded builds left untagged; the tagged images keep every layer the next build reuses.
  // Only after an hour: a test in another work tree (same storage) may still be about to run the
  // image ID it built, which this build has just untagged.
  await podman(['image', 'prune', '--force', '--filter', 'until=1h']).catch((error: unknown) => say(`image prune failed (ignored): ${String(error)}`));
}

/** `podman save` as an OCI archive, for `skopeo copy oci-archive:FILE docker://REGISTRY/berth:TAG` elsewhere. */
export async function saveImage(file: string): Promise<void> {
  await step(`podman save ${IMAGE} -> ${file}`, () => podman(['save', '--format', 'oci-archive', '--output', file, IMAGE], { timeoutMs: 10 * 60_000 }));
}
