/**
 * What a deploy reads before it acts — what runs in the environment, the values `berth config
 * set` / `berth scale` / `berth secret set` keep, the release history, who is deploying, and the
 * lock's version — which the command starts early (cluster/early.ts) while it is still validating
 * its config. Kept apart from run.ts, which loads the renderer and zod.
 */
import { listManaged } from '../cluster/apply-set.ts';
import type { Cluster } from '../cluster/connect.ts';
import type { Early } from '../cluster/early.ts';
import type { RawObject } from '../cluster/watch.ts';
import { whoAmI } from '../cluster/whoami.ts';
import type { BerthError } from '../errors.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import { currentUser, type Lease, readLock } from './lock.ts';
import { listReleaseSummaries, type ReleaseSummary } from './releases.ts';
import { readRuntimeEnv, readRuntimeScale } from './runtime-values.ts';

/** berth's objects of the environment that run now; none when the namespace does not exist yet. */
export function readLive(cluster: Cluster, namespace: string, environment: string): Promise<Map<string, RawObject>> {
  return listManaged(cluster, namespace, { [LABEL.managedBy]: MANAGED_BY, [LABEL.environment]: environment }).catch((error: BerthError) => {
    if (/not found/i.test(error.message)) return new Map<string, RawObject>();
    throw error;
  });
}

/** Everything a deploy decides from, as one consistent read when no deploy ran while it was read (see readFirst). */
export interface DeployInputs {
  live: Map<string, RawObject>;
  /** `berth config set` values, by app. */
  runtimeEnv: Record<string, Record<string, string>>;
  /** `berth scale` replica counts, by app and process. */
  runtimeScale: Record<string, Record<string, number>>;
  /** The data of every Opaque Secret in the namespace, by name (pinned into the release). */
  secrets: Map<string, Record<string, string>>;
  /** Every app's releases, newest first per app: summaries; a full record is read when one is needed (a rollback). */
  releases: ReleaseSummary[];
}

export interface FirstReads extends DeployInputs {
  user: string;
  /** The deploy lock's Lease as read before the rest, undefined when there was none (see LockOptions.since and seen). */
  lock: Lease | undefined;
}
export type EarlyReads = Early<FirstReads>;

/** The environment's reads, all at once. */
export async function readDeployInputs(cluster: Cluster, namespace: string, environment: string): Promise<DeployInputs> {
  const [live, runtimeEnv, runtimeScale, secrets, releases] = await Promise.all([
    readLive(cluster, namespace, environment),
    readRuntimeEnv(cluster, namespace).then((m) => Object.fromEntries(m)),
    readRuntimeScale(cluster, namespace).then((m) => Object.fromEntries(m)),
    readSecrets(cluster, namespace),
    listReleaseSummaries(cluster, namespace),
  ]);
  return { live, runtimeEnv, runtimeScale, secrets, releases };
}

/**
 * What a deploy reads first. The lock's version is read before anything else: a deploy (or
 * `berth config set`) that takes the lock after that read cannot go unseen, and when the lock
 * is still at that version once this deploy holds it, nothing berth writes changed meanwhile —
 * these reads are as good as reads under the lock (HeldLock.changedSince).
 */
export function readFirst(cluster: Cluster, namespace: string, environment: string, user?: string): Promise<FirstReads> {
  return startFirstReads(cluster, namespace, environment, user).reads;
}

/** readFirst, and `asked`: settles once the lock's version is in and the rest has been asked for. */
export function startFirstReads(cluster: Cluster, namespace: string, environment: string, user?: string): { reads: Promise<FirstReads>; asked: Promise<void> } {
  const lock = readLock(cluster, namespace);
  const reads = Promise.all([
    lock.then(() => readDeployInputs(cluster, namespace, environment)),
    user ?? whoAmI(cluster).catch(() => currentUser()),
    lock,
  ]).then(([inputs, who, lease]) => ({ ...inputs, user: who, lock: lease }));
  return { reads, asked: lock.then(() => undefined) };
}

async function readSecrets(cluster: Cluster, namespace: string): Promise<Map<string, Record<string, string>>> {
  const list = await cluster.objects
    .listRaw<{ metadata: { name: string }; data?: Record<string, string>; type?: string }>('v1', 'Secret', { namespace, fieldSelector: 'type=Opaque' })
    .catch(() => ({ items: [] }));
  return new Map(list.items.map((s) => [s.metadata.name, s.data ?? {}]));
}
