/** Namespaces. */
import type { Cluster } from './connect.ts';
import { httpStatus, kubeError } from './errors.ts';

/**
 * Creates the namespace unless it exists. Deliberately a create, not an apply: deploy applies
 * the rendered Namespace with its own field manager, and a second applier with fewer fields
 * would fight it over labels.
 */
export async function ensureNamespace(cluster: Cluster, name: string, labels: Record<string, string> = {}): Promise<boolean> {
  try {
    await cluster.objects.sendRaw('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    return true;
  } catch (error) {
    if (httpStatus(error) === 409) return false;
    // A deployer limited to its namespace (berth ci credentials) may not create namespaces; if the
    // namespace is missing after all, the first write into it says so.
    if (httpStatus(error) === 403) return false;
    throw kubeError(error, `create namespace ${name}`);
  }
}
