// The CustomResourceDefinitions of CloudNativePG, cert-manager, Traefik and K3s' helm-controller exactly as those
// projects publish them, taken from their Go modules at the versions pinned in versions.ts and
// cached beside the binaries (never committed). The test cluster installs these, so berth's
// objects are checked against the schemas (and CEL rules) a real operator's cluster enforces.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { findGo, goEnv } from './go.ts';
import { crdCacheDir } from './paths.ts';
import { run, say, step } from './run.ts';
import { CERT_MANAGER_VERSION, CLOUDNATIVE_PG_VERSION, HELM_CONTROLLER_VERSION, TRAEFIK_VERSION } from './versions.ts';

export interface CrdSource {
  project: string;
  module: string;
  version: string;
  /** Directory (every *.yaml in it) or single file, relative to the module root. */
  path: string;
  /** Kinds berth renders or will render: only their CRDs are installed; a version without one is refused. */
  kinds: string[];
}

export const CRD_SOURCES: readonly CrdSource[] = [
  {
    project: 'cloudnative-pg',
    module: 'github.com/cloudnative-pg/cloudnative-pg',
    version: CLOUDNATIVE_PG_VERSION,
    path: 'config/crd/bases',
    kinds: ['Cluster', 'Pooler', 'Database', 'Backup', 'ScheduledBackup'],
  },
  {
    project: 'cert-manager',
    module: 'github.com/cert-manager/cert-manager',
    version: CERT_MANAGER_VERSION,
    path: 'deploy/crds',
    kinds: ['Certificate', 'ClusterIssuer'],
  },
  {
    project: 'traefik',
    module: 'github.com/traefik/traefik/v3',
    version: TRAEFIK_VERSION,
    path: 'docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml',
    kinds: ['IngressRoute', 'Middleware'],
  },
  {
    // K3s installs these itself (its helm-controller); berth renders add-ons as HelmCharts.
    project: 'helm-controller',
    module: 'github.com/k3s-io/helm-controller',
    version: HELM_CONTROLLER_VERSION,
    path: 'pkg/crds/yaml/generated',
    kinds: ['HelmChart', 'HelmChartConfig'],
  },
];

const KINDS_PREFIX = '# kinds: ';
const NAMES_PREFIX = '# names: ';

/** One multi-document YAML file per project and version. */
export function crdFile(source: CrdSource): string {
  return join(crdCacheDir, `${source.project}-${source.version}.yaml`);
}

export function upstreamCrdFiles(): string[] {
  return CRD_SOURCES.map(crdFile);
}

/** True when every file is cached and holds the kinds listed above (the list may grow). */
export function upstreamCrdsPresent(): boolean {
  return CRD_SOURCES.every((source) => isCached(source));
}

function isCached(source: CrdSource): boolean {
  const file = crdFile(source);
  if (!existsSync(file)) return false;
  const head = readFileSync(file, 'utf8').slice(0, 2_000);
  return head.includes(`\n${KINDS_PREFIX}${source.kinds.join(' ')}\n`);
}

interface CrdDocument {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: { names?: { kind?: string } };
}

/**
 * Keeps the CRDs of the kinds berth uses, each document byte for byte as published. Installing
 * every CRD these projects ship (26) would triple the time a fresh cluster needs for them: the
 * API server rebuilds its OpenAPI document for each.
 */
function selectCrds(source: CrdSource, texts: string[]): string {
  // A line that is exactly "---" separates documents; schema text is indented, so it never is one.
  const chunks = texts.flatMap((text) => text.split(/^---[ \t]*$/m)).filter((chunk) => chunk.trim() !== '');
  const kept: { name: string; text: string }[] = [];
  for (const chunk of chunks) {
    const crd = parseDocument(chunk).toJS() as CrdDocument | null;
    if (crd === null) continue;
    if (crd.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition') {
      throw new Error(`${source.module}@${source.version}/${source.path} holds a ${crd.kind ?? 'document without kind'}, not only CRDs`);
    }
    if (source.kinds.includes(crd.spec?.names?.kind ?? '')) kept.push({ name: crd.metadata?.name ?? '', text: chunk.trim() });
  }
  if (kept.length !== source.kinds.length) {
    throw new Error(`${source.module}@${source.version}/${source.path}: expected one CRD for each of ${source.kinds.join(', ')}, found ${kept.length}`);
  }
  const header = [
    `# CustomResourceDefinitions from ${source.module}@${source.version}, ${source.path} (unchanged; only these kinds)`,
    `${KINDS_PREFIX}${source.kinds.join(' ')}`,
    `${NAMES_PREFIX}${kept.map((crd) => crd.name).join(' ')}`,
  ];
  return `${header.join('\n')}\n${kept.map((crd) => `---\n${crd.text}\n`).join('')}`;
}

async function fetchSource(go: string, source: CrdSource): Promise<void> {
  // `go mod download` verifies the module against go.sum's database and unpacks it into the module cache.
  const { stdout } = await run([go, 'mod', 'download', '-json', `${source.module}@${source.version}`], { env: goEnv(), timeoutMs: 600_000 });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${source.module}@${source.version}: ${info.Error ?? 'no directory'}`);
  const root = join(info.Dir, source.path);
  const files = /\.ya?ml$/.test(source.path)
    ? [root]
    : (await readdir(root))
        .filter((name) => name.endsWith('.yaml'))
        .sort()
        .map((name) => join(root, name));
  const text = selectCrds(source, await Promise.all(files.map((file) => readFile(file, 'utf8'))));
  await mkdir(crdCacheDir, { recursive: true });
  const target = crdFile(source);
  await writeFile(`${target}.tmp`, text);
  await rename(`${target}.tmp`, target);
}

/** The CRDs' names (read from the header the fetch writes) and a hash of every file, to tell whether a cluster has these exact ones. */
export async function upstreamCrdIndex(): Promise<{ names: string[]; stamp: string }> {
  const hash = createHash('sha256');
  const names: string[] = [];
  for (const file of upstreamCrdFiles()) {
    const text = await readFile(file, 'utf8');
    hash.update(text);
    const line = text.split('\n', 3).find((l) => l.startsWith(NAMES_PREFIX));
    if (!line) throw new Error(`${file} has no "${NAMES_PREFIX.trim()}" header; delete it and run \`npm run testenv -- build\` again`);
    names.push(...line.slice(NAMES_PREFIX.length).split(' ').filter(Boolean));
  }
  return { names, stamp: hash.digest('hex').slice(0, 16) };
}

/** Fetches every missing CRD file; a warm call only checks that the files exist. */
export async function fetchUpstreamCrds(): Promise<{ fetched: string[]; skipped: string[] }> {
  const result = { fetched: [] as string[], skipped: [] as string[] };
  const missing = CRD_SOURCES.filter((source) => !isCached(source));
  result.skipped = CRD_SOURCES.filter((source) => !missing.includes(source)).map((s) => `${s.project} ${s.version}`);
  if (missing.length === 0) return result;
  const go = findGo();
  for (const source of missing) {
    await step(`CRDs of ${source.project} ${source.version} (${source.module})`, () => fetchSource(go, source));
    result.fetched.push(`${source.project} ${source.version}`);
  }
  say(`CRDs cached in ${crdCacheDir}`);
  return result;
}
