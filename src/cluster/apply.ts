/**
 * Server-side apply of any object (CRDs included), the way berth applies everything it renders:
 * apply-patch content type, a field manager, fieldValidation=Strict, force only when asked, and
 * the object sent as given (see object-api.ts). Deploy builds on this; today `db` and the tests use it.
 */
import type { Cluster } from './connect.ts';
import { isNotFound, kubeError } from './errors.ts';
import { FIELD_MANAGER, type ApplyOptions } from './secrets.ts';

export type { ApplyOptions } from './secrets.ts';

export interface ApplyTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export async function applyObject<T extends ApplyTarget>(cluster: Cluster, object: T, options: ApplyOptions = {}): Promise<T> {
  try {
    return (await cluster.objects.applyRaw(object, {
      fieldManager: options.fieldManager ?? FIELD_MANAGER,
      force: options.force,
      dryRun: options.dryRun,
    })) as unknown as T;
  } catch (error) {
    throw kubeError(error, `apply ${describe(object)}${options.dryRun ? ' (dry run)' : ''}`);
  }
}

/** Deletes an object; 404 counts as done. True when something was deleted. */
export async function deleteObject(cluster: Cluster, object: ApplyTarget): Promise<boolean> {
  try {
    await cluster.objects.delete(object);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw kubeError(error, `delete ${describe(object)}`);
  }
}

export function describe(object: ApplyTarget): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}
