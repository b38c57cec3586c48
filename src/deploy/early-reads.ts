/**
 * A deploy's first reads — what runs in the environment, and who is deploying — which the command
 * starts early (cluster/early.ts) while it is still validating its config. Kept apart from
 * run.ts, which loads the renderer and zod.
 */
import { listManaged } from '../cluster/apply-set.ts';
import type { Cluster } from '../cluster/connect.ts';
import type { Early } from '../cluster/early.ts';
import type { RawObject } from '../cluster/watch.ts';
import { whoAmI } from '../cluster/whoami.ts';
import type { BerthError } from '../errors.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import { currentUser, lockVersion } from './lock.ts';

/** berth's objects of the environment that run now; none when the namespace does not exist yet. */
export function readLive(cluster: Cluster, namespace: string, environment: string): Promise<Map<string, RawObject>> {
  return listManaged(cluster, namespace, { [LABEL.managedBy]: MANAGED_BY, [LABEL.environment]: environment }).catch((error: BerthError) => {
    if (/not found/i.test(error.message)) return new Map<string, RawObject>();
    throw error;
  });
}

/** What runs, who is deploying, and the deploy lock's version as they were read (see LockOptions.since). */
export type FirstReads = [Map<string, RawObject>, string, string | null];
export type EarlyReads = Early<FirstReads>;

/** What a deploy reads first: what runs, who is deploying, and the lock's version then. */
export function readFirst(cluster: Cluster, namespace: string, environment: string, user?: string): Promise<FirstReads> {
  // The lock is read first: a deploy that takes the lock after this read cannot go unseen.
  const since = lockVersion(cluster, namespace);
  return Promise.all([since.then(() => readLive(cluster, namespace, environment)), user ?? whoAmI(cluster).catch(() => currentUser()), since]);
}
