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
import { currentUser } from './lock.ts';

/** berth's objects of the environment that run now; none when the namespace does not exist yet. */
export function readLive(cluster: Cluster, namespace: string, environment: string): Promise<Map<string, RawObject>> {
  return listManaged(cluster, namespace, { [LABEL.managedBy]: MANAGED_BY, [LABEL.environment]: environment }).catch((error: BerthError) => {
    if (/not found/i.test(error.message)) return new Map<string, RawObject>();
    throw error;
  });
}

export type EarlyReads = Early<[Map<string, RawObject>, string]>;

/** What a deploy reads first: what runs, and who is deploying. */
export function readFirst(cluster: Cluster, namespace: string, environment: string): Promise<[Map<string, RawObject>, string]> {
  return Promise.all([readLive(cluster, namespace, environment), whoAmI(cluster).catch(() => currentUser())]);
}
