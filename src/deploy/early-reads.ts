/**
 * A deploy's first reads — what runs in the environment, and who is deploying — started by the
 * command while it is still validating its config, so the API server answers meanwhile. Both are
 * read-only; deploy uses them only when the validated config names the same environment,
 * namespace and kube context. Kept apart from run.ts, which loads the renderer and zod.
 */
import { listManaged } from '../cluster/apply-set.ts';
import { type Cluster, connectCluster } from '../cluster/connect.ts';
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

export interface EarlyReads {
  cluster: Cluster;
  namespace: string;
  environment: string;
  context: string | undefined;
  reads: Promise<[Map<string, RawObject>, string]>;
}

/**
 * Starts what a deploy reads first (what runs, and who is deploying) while the command is still
 * validating its config: both are read-only, and deploy uses them only when the validated config
 * names the same environment, namespace and context.
 */
export function startEarlyReads(target: { namespace: string; environment: string; context: string | undefined }, kubeconfig: string | undefined): EarlyReads {
  const cluster = connectCluster({ context: target.context, kubeconfig });
  const reads = Promise.all([readLive(cluster, target.namespace, target.environment), whoAmI(cluster).catch(() => currentUser())]);
  reads.catch(() => undefined);
  return { ...target, cluster, reads };
}
