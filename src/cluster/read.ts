/**
 * Lists of the kinds berth reads most, by their fixed URLs. The generic object API looks a kind's
 * URL up on the server first (one discovery request per API group); commands that must stay at a
 * constant, small number of requests (`berth status`) name the URL instead.
 */
import type { Cluster } from './connect.ts';
import { isNotFound, kubeError } from './errors.ts';
import { getJson } from './http.ts';

const COLLECTIONS = {
  Deployment: 'apis/apps/v1/namespaces/{ns}/deployments',
  ReplicaSet: 'apis/apps/v1/namespaces/{ns}/replicasets',
  Pod: 'api/v1/namespaces/{ns}/pods',
  Secret: 'api/v1/namespaces/{ns}/secrets',
  ConfigMap: 'api/v1/namespaces/{ns}/configmaps',
  Event: 'api/v1/namespaces/{ns}/events',
  CronJob: 'apis/batch/v1/namespaces/{ns}/cronjobs',
  Job: 'apis/batch/v1/namespaces/{ns}/jobs',
  Lease: 'apis/coordination.k8s.io/v1/namespaces/{ns}/leases',
  CnpgCluster: 'apis/postgresql.cnpg.io/v1/namespaces/{ns}/clusters',
  CnpgBackup: 'apis/postgresql.cnpg.io/v1/namespaces/{ns}/backups',
} as const;

export type ReadKind = keyof typeof COLLECTIONS;

export function collectionUrl(kind: ReadKind, namespace: string): string {
  return `/${COLLECTIONS[kind].replace('{ns}', encodeURIComponent(namespace))}`;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

/** One list request; a namespace that does not exist has nothing in it. */
export async function listIn<T>(cluster: Cluster, kind: ReadKind, namespace: string, query: ListQuery = {}): Promise<T[]> {
  const params: Record<string, string> = {};
  if (query.labelSelector) params.labelSelector = query.labelSelector;
  if (query.fieldSelector) params.fieldSelector = query.fieldSelector;
  try {
    const list = await get<{ items?: T[] }>(cluster, collectionUrl(kind, namespace), params);
    return list.items ?? [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw kubeError(error, `list ${kind}s in ${namespace}`);
  }
}

/** One list request for the objects' metadata only (labels, annotations): far smaller answers. */
export async function listMetadataIn(cluster: Cluster, kind: ReadKind, namespace: string, query: ListQuery = {}): Promise<ObjectMetadata[]> {
  const params: Record<string, string> = {};
  if (query.labelSelector) params.labelSelector = query.labelSelector;
  if (query.fieldSelector) params.fieldSelector = query.fieldSelector;
  try {
    const list = await get<{ items?: ObjectMetadata[] }>(
      cluster,
      collectionUrl(kind, namespace),
      params,
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
    );
    return list.items ?? [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw kubeError(error, `list ${kind}s in ${namespace}`);
  }
}

export interface ObjectMetadata {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** One object by name, or undefined when it does not exist. */
export async function getIn<T>(cluster: Cluster, kind: ReadKind, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await get<T>(cluster, `${collectionUrl(kind, namespace)}/${encodeURIComponent(name)}`);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw kubeError(error, `read ${kind} ${namespace}/${name}`);
  }
}

function get<T>(cluster: Cluster, path: string, query: Record<string, string> = {}, accept = 'application/json'): Promise<T> {
  return getJson<T>(cluster, { path, query, accept });
}
