/** Deployments: find an app's, and roll their pods. */
import type { Cluster } from './connect.ts';
import { kubeError } from './errors.ts';
import { collectionUrl } from './read.ts';

/** Names of the Deployments in a namespace carrying every given label. */
export async function listDeployments(cluster: Cluster, namespace: string, labels: Record<string, string>): Promise<string[]> {
  const labelSelector = Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  try {
    const list = await cluster.objects.listRaw<{ metadata?: { name?: string } }>('apps/v1', 'Deployment', { namespace, labelSelector });
    return list.items
      .map((d) => d.metadata?.name ?? '')
      .filter(Boolean)
      .sort();
  } catch (error) {
    throw kubeError(error, `list Deployments in ${namespace} (${labelSelector})`);
  }
}

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
/**
 * Its own field manager, so deploy's server-side apply (manager `berth`, which does not render
 * this annotation) neither removes it nor conflicts with it, exactly as after
 * `kubectl rollout restart`.
 */
const ROLLOUT_MANAGER = 'berth-rollout';

/** Rolls each Deployment's pods as `kubectl rollout restart` does: a new pod-template annotation. */
export async function restartDeployments(cluster: Cluster, namespace: string, names: string[], at: Date): Promise<void> {
  const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at.toISOString() } } } } };
  for (const name of names) {
    try {
      // Strategic merge: touches the one annotation and nothing else.
      await cluster.objects.sendRaw(
        'PATCH',
        `${collectionUrl('Deployment', namespace)}/${encodeURIComponent(name)}?fieldManager=${ROLLOUT_MANAGER}`,
        body,
        'application/strategic-merge-patch+json',
      );
    } catch (error) {
      throw kubeError(error, `restart Deployment ${namespace}/${name}`);
    }
  }
}
