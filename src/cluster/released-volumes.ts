/**
 * A PersistentVolume with `Retain` stays Released when its claim is deleted (the namespace deleted
 * and made again, an app removed and added back): it keeps the old claim's uid and never binds
 * again, so the new claim of the same name waits forever (seed 004's NFS volumes). The volume is
 * berth's, rendered for exactly that claim (namespace and name), so a deploy frees it for the claim
 * again: the uid goes, the data stays.
 */
import type { Cluster } from './connect.ts';
import { httpStatus, isNotFound, kubeError } from './errors.ts';
import type { RawObject } from './watch.ts';

interface ClaimRef {
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

/** berth's volumes left Released by a deleted claim, with the JSON patch that frees each. */
export function releasedVolumes(live: Iterable<RawObject>): { volume: RawObject; claim: string; patch: object[] }[] {
  const found: { volume: RawObject; claim: string; patch: object[] }[] = [];
  for (const object of live) {
    if (object.kind !== 'PersistentVolume' || object.metadata.deletionTimestamp) continue;
    const phase = (object.status as { phase?: string } | undefined)?.phase;
    const ref = (object.spec as { claimRef?: ClaimRef } | undefined)?.claimRef;
    if (phase !== 'Released' || !ref?.uid) continue;
    // `test` first: if the volume was bound again meanwhile, the patch fails instead of unbinding it.
    const patch: object[] = [
      { op: 'test', path: '/spec/claimRef/uid', value: ref.uid },
      { op: 'remove', path: '/spec/claimRef/uid' },
    ];
    if (ref.resourceVersion) patch.push({ op: 'remove', path: '/spec/claimRef/resourceVersion' });
    found.push({ volume: object, claim: `${ref.namespace}/${ref.name}`, patch });
  }
  return found;
}

export async function freeVolume(cluster: Cluster, volume: RawObject, patch: object[]): Promise<void> {
  try {
    await cluster.objects.sendRaw('PATCH', `/api/v1/persistentvolumes/${volume.metadata.name}`, patch, 'application/json-patch+json');
  } catch (error) {
    // Gone, or bound again meanwhile (the `test` failed: 422): nothing to free.
    if (isNotFound(error) || httpStatus(error) === 422) return;
    throw kubeError(error, `free PersistentVolume ${volume.metadata.name} for its claim`);
  }
}
