/**
 * Reads what `berth status` shows: seven requests for the whole environment, however many apps
 * it has (Deployments, ReplicaSets, Pods, CronJobs, Jobs, release records, the lock), all at once.
 * With --watch, the same kinds are watched (list + watch, 410 handled in cluster/watch.ts) and
 * the snapshot is rebuilt from the local copies.
 */
import type { Cluster } from '../cluster/connect.ts';
import { listIn } from '../cluster/read.ts';
import { type RawObject, watchObjects } from '../cluster/watch.ts';
import { LOCK_NAME, lockStatus } from '../deploy/lock.ts';
import { listReleaseSummaries, RELEASE_LABEL, RELEASE_TYPE, type ReleaseSummary } from '../deploy/releases.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import type { CronJob, Deployment, Job, Pod, ReplicaSet } from '../model/workloads.ts';
import type { EnvironmentSnapshot } from './status.ts';

export function environmentSelector(environment: string): string {
  return `${LABEL.managedBy}=${MANAGED_BY},${LABEL.environment}=${environment}`;
}

export async function readEnvironment(cluster: Cluster, namespace: string, environment: string): Promise<EnvironmentSnapshot> {
  const labelSelector = environmentSelector(environment);
  const [deployments, replicaSets, pods, cronJobs, jobs, releases, lock] = await Promise.all([
    listIn<Deployment>(cluster, 'Deployment', namespace, { labelSelector }),
    listIn<ReplicaSet>(cluster, 'ReplicaSet', namespace, { labelSelector }),
    listIn<Pod>(cluster, 'Pod', namespace, { labelSelector }),
    listIn<CronJob>(cluster, 'CronJob', namespace, { labelSelector }),
    listIn<Job>(cluster, 'Job', namespace, { labelSelector }),
    listReleaseSummaries(cluster, namespace),
    lockStatus(cluster, namespace),
  ]);
  return {
    environment,
    namespace,
    deployments,
    replicaSets,
    pods,
    cronJobs,
    jobs,
    releasesByApp: byApp(releases),
    lock,
  };
}

function byApp(releases: ReleaseSummary[]): Map<string, ReleaseSummary[]> {
  const map = new Map<string, ReleaseSummary[]>();
  for (const release of releases) map.set(release.app, [...(map.get(release.app) ?? []), release]);
  return map;
}

/**
 * Calls `onSnapshot` with a fresh snapshot whenever something in the environment changes, at
 * most every `settleMs`, until the signal aborts.
 */
export async function watchEnvironment(
  cluster: Cluster,
  namespace: string,
  environment: string,
  options: { signal: AbortSignal; settleMs?: number; onSnapshot: (snapshot: EnvironmentSnapshot) => void; onReconnect?: (reason: string) => void },
): Promise<void> {
  const labelSelector = environmentSelector(environment);
  const stores = new Map<string, ReadonlyMap<string, RawObject>>();
  const synced = new Set<string>();
  let releases = new Map<string, ReleaseSummary[]>();
  let lock: EnvironmentSnapshot['lock'];
  let timer: NodeJS.Timeout | undefined;
  const kinds = [
    ['apps/v1', 'Deployment', labelSelector, undefined],
    ['apps/v1', 'ReplicaSet', labelSelector, undefined],
    ['v1', 'Pod', labelSelector, undefined],
    ['batch/v1', 'CronJob', labelSelector, undefined],
    ['batch/v1', 'Job', labelSelector, undefined],
    ['v1', 'Secret', RELEASE_LABEL.app, `type=${RELEASE_TYPE}`],
    ['coordination.k8s.io/v1', 'Lease', undefined, `metadata.name=${LOCK_NAME}`],
  ] as const;
  const items = <T>(kind: string) => [...(stores.get(kind)?.values() ?? [])] as unknown as T[];
  const emit = () => {
    timer = undefined;
    if (options.signal.aborted || synced.size < kinds.length) return;
    options.onSnapshot({
      environment,
      namespace,
      deployments: items('Deployment'),
      replicaSets: items('ReplicaSet'),
      pods: items('Pod'),
      cronJobs: items('CronJob'),
      jobs: items('Job'),
      releasesByApp: releases,
      lock,
    });
  };
  const refreshDerived = async (kind: string) => {
    // Release records and the lease are decoded by their own modules; re-read them on change.
    if (kind === 'Secret') releases = byApp(await listReleaseSummaries(cluster, namespace));
    if (kind === 'Lease') lock = await lockStatus(cluster, namespace);
  };
  await Promise.all(
    kinds.map(([apiVersion, kind, selector, fieldSelector]) =>
      watchObjects(
        cluster,
        { apiVersion, kind, namespace, labelSelector: selector, fieldSelector },
        {
          signal: options.signal,
          onReconnect: options.onReconnect,
          onChange: (change, _object, store) => {
            stores.set(kind, new Map(store));
            void refreshDerived(kind)
              .catch(() => undefined)
              .then(() => {
                if (change === 'synced') synced.add(kind);
                timer ??= setTimeout(emit, options.settleMs ?? 250);
              });
          },
        },
      ),
    ),
  );
  if (timer) clearTimeout(timer);
}
