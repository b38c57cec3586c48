/** Secrets: read decoded, written by server-side apply, deleted idempotently. */
import type { V1Secret } from '@kubernetes/client-node';
import type { Cluster } from './connect.ts';
import { isNotFound, kubeError } from './errors.ts';
import { FIELD_MANAGER } from './field-manager.ts';
import { collectionUrl } from './read.ts';

export { FIELD_MANAGER };

export interface SecretSpec {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Plain values; encoded here. */
  data: Record<string, string>;
}

/** The Secret's values decoded, or undefined when it does not exist. */
export async function readSecret(cluster: Cluster, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  let secret: V1Secret;
  try {
    secret = await cluster.objects.getRaw<V1Secret>(`${collectionUrl('Secret', namespace)}/${encodeURIComponent(name)}`);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw kubeError(error, `read Secret ${namespace}/${name}`);
  }
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

export interface ApplyOptions {
  fieldManager?: string;
  /**
   * Take over fields another manager set. Meant for objects berth alone owns (credentials it
   * generated): a stray `kubectl edit` must not block a rotation.
   */
  force?: boolean;
  dryRun?: boolean;
}

export async function applySecret(cluster: Cluster, spec: SecretSpec, options: ApplyOptions = {}): Promise<void> {
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, annotations: spec.annotations },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(spec.data).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')])),
  };
  try {
    await cluster.objects.applyRaw(body, { fieldManager: options.fieldManager ?? FIELD_MANAGER, force: options.force, dryRun: options.dryRun });
  } catch (error) {
    throw kubeError(error, `apply Secret ${spec.namespace}/${spec.name}`);
  }
}

/** True when it was deleted, false when it did not exist. */
export async function deleteSecret(cluster: Cluster, namespace: string, name: string): Promise<boolean> {
  try {
    await cluster.objects.sendRaw('DELETE', `${collectionUrl('Secret', namespace)}/${encodeURIComponent(name)}`, undefined);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw kubeError(error, `delete Secret ${namespace}/${name}`);
  }
}
