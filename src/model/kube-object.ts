/**
 * The plain-object form every renderer returns. Kubernetes' own types (from client-node, imported
 * as types only) keep field names honest without pulling the client into the render path.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { byCodePoint } from '../compare.ts';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
  [field: string]: unknown;
}

/** Order in which objects are written and applied: what others depend on comes first. */
export const KIND_ORDER = [
  'Namespace',
  // Operators first: the custom resources after them need their CRDs.
  'HelmChart',
  'HelmChartConfig',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'Cluster',
  'Pooler',
  'Database',
  'Service',
  'Deployment',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'CronJob',
  'ClusterIssuer',
  'Certificate',
  'Middleware',
  'Ingress',
  'NetworkPolicy',
];

const RANK = new Map(KIND_ORDER.map((kind, i) => [kind, i]));

export function compareObjects(a: KubeObject, b: KubeObject): number {
  const rank = (o: KubeObject) => RANK.get(o.kind) ?? KIND_ORDER.length;
  return (
    rank(a) - rank(b) ||
    byCodePoint(a.kind, b.kind) ||
    byCodePoint(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    byCodePoint(a.metadata.name, b.metadata.name)
  );
}

/** client-node's model classes have no index signature; every rendered object passes through here once. */
export function kube(object: { apiVersion?: string; kind?: string; metadata?: V1ObjectMeta }): KubeObject {
  return object as unknown as KubeObject;
}
