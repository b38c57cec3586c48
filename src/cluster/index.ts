/** The Kubernetes API, for the rest of berth. Import lazily: `await import('../cluster/index.ts')`. */
export { connectCluster, type Cluster, type ConnectClusterOptions } from './connect.ts';
export { httpStatus, isNotFound, kubeError } from './errors.ts';
export { applySecret, deleteSecret, readSecret, FIELD_MANAGER, type SecretSpec, type ApplyOptions } from './secrets.ts';
export { applyObject, deleteObject, describe, type ApplyTarget } from './apply.ts';
export { ensureNamespace } from './namespaces.ts';
export { listDeployments, restartDeployments, RESTARTED_AT } from './deployments.ts';
