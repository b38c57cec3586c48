// The deploy bench's independent observer: its own watch on the Deployments of a namespace
// (client-node's Watch, none of berth's code), recording when each Deployment first shows a given
// image tag (applied) and when its status first says the rollout of that tag is complete — by
// kubectl's rule: observedGeneration ≥ generation, updated = desired = available, no old replicas.
// Times are Date.now() in the bench process, the clock berth's NDJSON `time` fields use too.
//
//   const observer = await observeDeployments(kubeconfigPath, namespace);
//   … deploy …
//   observer.completeAt('web', tag);   // ms since epoch, or undefined
//   observer.stop();
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

/** kubectl's rollout-status rule (rollout_status.go), read on the Deployment object alone. */
export function rolloutComplete(deployment) {
  const spec = deployment.spec ?? {};
  const status = deployment.status ?? {};
  const desired = spec.replicas ?? 1;
  return (
    (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0) &&
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired
  );
}

const tagOf = (deployment) => deployment.spec?.template?.spec?.containers?.[0]?.image?.split(':').pop();

export async function observeDeployments(kubeconfigPath, namespace) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  // name → tag → { appliedAt, completeAt }
  const seen = new Map();
  let stopped = false;
  let request;
  let resourceVersion;

  const record = (type, deployment) => {
    if (type === 'ERROR' || type === 'DELETED' || !deployment?.metadata) return;
    if (type === 'BOOKMARK') {
      resourceVersion = deployment.metadata.resourceVersion;
      return;
    }
    resourceVersion = deployment.metadata.resourceVersion;
    const now = Date.now();
    const tag = tagOf(deployment);
    const byTag = seen.get(deployment.metadata.name) ?? new Map();
    seen.set(deployment.metadata.name, byTag);
    const entry = byTag.get(tag) ?? { appliedAt: now, completeAt: undefined };
    byTag.set(tag, entry);
    if (entry.completeAt === undefined && rolloutComplete(deployment)) entry.completeAt = now;
  };

  // A watch without a resourceVersion starts with ADDED for what exists; a dropped watch resumes.
  const start = () =>
    new Watch(kubeConfig)
      .watch(`/apis/apps/v1/namespaces/${namespace}/deployments`, { allowWatchBookmarks: true, resourceVersion }, record, (error) => {
        if (stopped) return;
        if (error) resourceVersion = undefined;
        start().then((r) => {
          request = r;
        });
      })
      .catch((error) => {
        if (!stopped) throw error;
      });
  request = await start();

  const entry = (name, tag) => seen.get(name)?.get(tag);
  return {
    appliedAt: (name, tag) => entry(name, tag)?.appliedAt,
    completeAt: (name, tag) => entry(name, tag)?.completeAt,
    /** The cluster's own time for a set of Deployments: first one seen with the tag → last one complete. */
    span(names, tagFor) {
      const applied = names.map((n) => entry(n, tagFor(n))?.appliedAt);
      const complete = names.map((n) => entry(n, tagFor(n))?.completeAt);
      if (applied.includes(undefined) || complete.includes(undefined)) return undefined;
      return { appliedAt: Math.min(...applied), completeAt: Math.max(...complete), ms: Math.max(...complete) - Math.min(...applied) };
    },
    /** Resolves once every named Deployment is complete on its tag (a tool may say done before the status does), or after timeoutMs. */
    async settle(names, tagFor, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && names.some((n) => entry(n, tagFor(n))?.completeAt === undefined)) await sleep(50);
    },
    stop() {
      stopped = true;
      request?.abort();
    },
  };
}
