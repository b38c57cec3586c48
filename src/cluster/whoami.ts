/** Who the kubeconfig's credentials are, as the API server sees them (for release records and locks). */
import type { Cluster } from './connect.ts';

/**
 * The authenticated user name from a SelfSubjectReview (Kubernetes 1.28+); the kubeconfig's user
 * entry when the server cannot say (older servers, or RBAC forbids it).
 */
export async function whoAmI(cluster: Cluster): Promise<string> {
  try {
    const review = await cluster.objects.sendRaw<{ status?: { userInfo?: { username?: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      },
    );
    const name = review.status?.userInfo?.username;
    if (name) return name;
  } catch {
    // Fall through to the kubeconfig's own name for the user.
  }
  return cluster.target.user.name || 'unknown';
}
