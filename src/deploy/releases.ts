/**
 * Releases: every deploy, rollback and config/secret change of an app in an environment, stored
 * in the cluster as a Secret per revision (like Helm's release records: the objects may carry
 * secret values). A record holds exactly what was applied, so a rollback puts back images, env
 * values, secret values and every object as they were. History only moves forward: a rollback
 * is a new release that copies an old one (Heroku).
 *
 * Records carry their own labels and not app.kubernetes.io/managed-by, so a prune can never select
 * them. The payload is gzipped JSON.
 */
import type { Cluster } from '../cluster/connect.ts';
import { httpStatus, isNotFound, kubeError } from '../cluster/errors.ts';
import { listIn, listMetadataIn } from '../cluster/read.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { Diagnosis } from './diagnose.ts';

export type ReleaseKind = 'deploy' | 'rollback' | 'config' | 'secret' | 'restart' | 'scale' | 'promote';
/**
 * deploying: in progress (or its deploy was killed: the next deploy marks it interrupted);
 * succeeded: healthy when recorded; failed: rolled back or left as is (see diagnosis);
 * interrupted: the deploy stopped (Ctrl-C, SIGKILL) before a verdict.
 */
export type ReleaseResult = 'deploying' | 'succeeded' | 'failed' | 'interrupted';

export interface ProcessImage {
  image: string;
  /** sha256 digest the running pods report, where the cluster reports one. */
  digest?: string;
}

export interface Release {
  app: string;
  environment: string;
  namespace: string;
  revision: number;
  kind: ReleaseKind;
  /** For a rollback: the revision it copied. */
  rollbackOf?: number;
  /** Every object applied for the app, exactly as sent. */
  objects: KubeObject[];
  images: Record<string, ProcessImage>;
  tag: string;
  configHash: string;
  secretsHash: string;
  user: string;
  createdAt: string;
  finishedAt?: string;
  message?: string;
  gitSha?: string;
  result: ReleaseResult;
  /** Why it failed, for `berth history` and the admin page. */
  diagnosis?: Diagnosis;
  /** Rolled back by this later revision. */
  rolledBackBy?: number;
  /** The backup taken before its migrations ran, if any. */
  backup?: string;
  /** Values set with `berth config set` when it was made (restored by `berth rollback`). */
  runtimeEnv?: Record<string, string>;
  /** Replica counts set with `berth scale` when it was made. */
  runtimeScale?: Record<string, number>;
  /** For a promotion: the environment and release whose build this is. */
  promotedFrom?: Promotion;
}

export interface Promotion {
  environment: string;
  revision: number | undefined;
  /** The image as it ran there, with its digest when the cluster reported one. */
  image: string;
}

/** A release without its objects (they hold secret values): what status and lists show. */
export type ReleaseSummary = Pick<
  Release,
  'app' | 'revision' | 'kind' | 'result' | 'tag' | 'user' | 'createdAt' | 'finishedAt' | 'rollbackOf' | 'rolledBackBy' | 'message'
> & { cause?: string };

export function summariseRelease(release: Release): ReleaseSummary {
  return {
    app: release.app,
    revision: release.revision,
    kind: release.kind,
    result: release.result,
    tag: release.tag,
    user: release.user,
    createdAt: release.createdAt,
    finishedAt: release.finishedAt,
    rollbackOf: release.rollbackOf,
    rolledBackBy: release.rolledBackBy,
    message: release.message?.slice(0, 200),
    cause: release.diagnosis?.cause.slice(0, 300),
  };
}

/** Loaded when a record is written or read in full: a deploy reads summaries first, while it starts (~4 ms). */
const zlib = () => process.getBuiltinModule('node:zlib');

export const RELEASE_TYPE = 'berth.dev/release.v1';
/** The summary, readable from the record's metadata alone (status lists metadata only). */
const SUMMARY_ANNOTATION = 'berth.dev/release-summary';
export const RELEASE_LABEL = {
  app: 'berth.dev/release-of',
  environment: 'berth.dev/environment',
  revision: 'berth.dev/revision',
  result: 'berth.dev/release-result',
} as const;
/** Releases kept per app and environment; older ones are deleted (never the current one). */
export const DEFAULT_HISTORY = 10;

export function releaseName(app: string, revision: number): string {
  return `berth.release.${app}.r${revision}`;
}

interface ReleaseSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  type: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; resourceVersion?: string; annotations?: Record<string, string> };
  data: { release: string };
}

function toSecret(release: Release): ReleaseSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: RELEASE_TYPE,
    metadata: {
      name: releaseName(release.app, release.revision),
      namespace: release.namespace,
      labels: {
        [RELEASE_LABEL.app]: release.app,
        [RELEASE_LABEL.environment]: release.environment,
        [RELEASE_LABEL.revision]: String(release.revision),
        [RELEASE_LABEL.result]: release.result,
      },
      annotations: { [SUMMARY_ANNOTATION]: JSON.stringify(summariseRelease(release)) },
    },
    data: { release: zlib().gzipSync(JSON.stringify(release)).toString('base64') },
  };
}

function fromSecret(secret: { data?: Record<string, string>; metadata: { name: string } }): Release | undefined {
  const payload = secret.data?.release;
  if (!payload) return undefined;
  try {
    return JSON.parse(zlib().gunzipSync(Buffer.from(payload, 'base64')).toString('utf8')) as Release;
  } catch {
    // A damaged record is skipped rather than breaking history for every other release.
    return undefined;
  }
}

/** Releases of one app (or all apps) in a namespace, newest first. One list call. */
export async function listReleases(cluster: Cluster, namespace: string, app?: string): Promise<Release[]> {
  const labelSelector = app ? `${RELEASE_LABEL.app}=${app}` : RELEASE_LABEL.app;
  const items = await listIn<ReleaseSecret>(cluster, 'Secret', namespace, { labelSelector, fieldSelector: `type=${RELEASE_TYPE}` });
  return items
    .map(fromSecret)
    .filter((r): r is Release => r !== undefined)
    .sort((a, b) => (a.app === b.app ? b.revision - a.revision : a.app < b.app ? -1 : 1));
}

/**
 * Summaries of every release in a namespace, newest first per app, from one metadata-only list;
 * records written before summaries existed cost one full list more.
 */
export async function listReleaseSummaries(cluster: Cluster, namespace: string): Promise<ReleaseSummary[]> {
  const items = await listMetadataIn(cluster, 'Secret', namespace, { labelSelector: RELEASE_LABEL.app, fieldSelector: `type=${RELEASE_TYPE}` });
  const summaries: ReleaseSummary[] = [];
  for (const item of items) {
    const text = item.metadata.annotations?.[SUMMARY_ANNOTATION];
    if (!text) return (await listReleases(cluster, namespace)).map(summariseRelease);
    try {
      summaries.push(JSON.parse(text) as ReleaseSummary);
    } catch {
      // A damaged summary: skip it, as listReleases skips a damaged record.
    }
  }
  return summaries.sort((a, b) => (a.app === b.app ? b.revision - a.revision : a.app < b.app ? -1 : 1));
}

/** The release now running: the newest that succeeded (of full records or summaries, newest first). */
export function currentRelease<T extends Pick<Release, 'result'>>(releases: readonly T[]): T | undefined {
  return releases.find((r) => r.result === 'succeeded');
}

/** One release's full record; undefined when it is gone or damaged. */
export async function getRelease(cluster: Cluster, namespace: string, app: string, revision: number): Promise<Release | undefined> {
  try {
    return fromSecret(await cluster.objects.getRaw<ReleaseSecret>(`/api/v1/namespaces/${namespace}/secrets/${releaseName(app, revision)}`));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw kubeError(error, `read release ${app} r${revision}`);
  }
}

/**
 * Marks a release left "deploying" as interrupted — by the holder of the lock, once the deploy that
 * wrote it is gone — unless that deploy finished it meanwhile: a deploy's last record write goes
 * out with its lock's release, so it may land just after the next holder read it. Written only
 * over the version read; returns the record as it stands.
 */
export async function markReleaseInterrupted(cluster: Cluster, namespace: string, app: string, revision: number): Promise<Release | undefined> {
  const path = `/api/v1/namespaces/${namespace}/secrets/${releaseName(app, revision)}`;
  let secret: ReleaseSecret;
  try {
    secret = await cluster.objects.getRaw<ReleaseSecret>(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw kubeError(error, `read release ${app} r${revision}`);
  }
  const release = fromSecret(secret);
  if (release?.result !== 'deploying') return release;
  const interrupted: Release = { ...release, result: 'interrupted', finishedAt: release.finishedAt ?? new Date().toISOString() };
  const body = toSecret(interrupted);
  body.metadata.resourceVersion = secret.metadata.resourceVersion;
  try {
    await cluster.objects.sendRaw('PUT', path, body);
    return interrupted;
  } catch (error) {
    if (httpStatus(error) === 409) return getRelease(cluster, namespace, app, revision);
    throw kubeError(error, `update release ${app} r${revision}`);
  }
}

/**
 * Writes a new release with the next free revision. Revisions are allocated under the deploy
 * lock; the create still refuses to overwrite, so a stray writer cannot corrupt history.
 */
export async function createRelease(
  cluster: Cluster,
  release: Omit<Release, 'revision'>,
  existing: readonly Pick<Release, 'app' | 'revision'>[],
): Promise<Release> {
  let revision = Math.max(0, ...existing.filter((r) => r.app === release.app).map((r) => r.revision)) + 1;
  for (let attempt = 0; attempt < 5; attempt++, revision++) {
    const record: Release = { ...release, revision };
    try {
      await cluster.objects.sendRaw('POST', `/api/v1/namespaces/${release.namespace}/secrets`, toSecret(record));
      return record;
    } catch (error) {
      if (httpStatus(error) !== 409) throw kubeError(error, `record release ${release.app} r${revision}`);
    }
  }
  throw kubeError(new Error('revision numbers kept colliding'), `record a release of ${release.app}`);
}

export async function updateRelease(cluster: Cluster, release: Release): Promise<void> {
  const secret = toSecret(release);
  try {
    await cluster.objects.sendRaw('PUT', `/api/v1/namespaces/${release.namespace}/secrets/${secret.metadata.name}`, secret);
  } catch (error) {
    throw kubeError(error, `update release ${release.app} r${release.revision}`);
  }
}

/** Deletes an app's releases beyond the newest `keep` (full records or summaries, newest first), never the current one. */
export async function trimHistory(
  cluster: Cluster,
  namespace: string,
  releases: readonly Pick<Release, 'app' | 'revision' | 'result'>[],
  keep = DEFAULT_HISTORY,
): Promise<number> {
  const current = currentRelease(releases);
  const old = releases.slice(keep).filter((r) => r !== current);
  for (const release of old) {
    try {
      await cluster.objects.sendRaw('DELETE', `/api/v1/namespaces/${namespace}/secrets/${releaseName(release.app, release.revision)}`, undefined);
    } catch (error) {
      if (!isNotFound(error)) throw kubeError(error, `delete old release ${release.app} r${release.revision}`);
    }
  }
  return old.length;
}
