/**
 * Claims for app volumes. An NFS export gets its own PersistentVolume bound
 * to exactly one claim (seed 004), so data cannot be picked up by another app's claim.
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { ResolvedApp, ResolvedVolume } from '../config/resolved.ts';
import { appLabels, KEEP_ON_PRUNE } from '../model/labels.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';

export interface ClaimSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  size: string;
  accessMode: string;
  storageClass: string | undefined;
  nfs: { server: string; path: string; persistentVolumeName: string } | undefined;
}

/** A claim, and for an NFS export the PersistentVolume bound to it alone; both kept on prune. */
export function claimObjects(spec: ClaimSpec): KubeObject[] {
  const objects: KubeObject[] = [];
  if (spec.nfs) {
    const pv: V1PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: spec.nfs.persistentVolumeName, labels: spec.labels, annotations: KEEP_ON_PRUNE },
      spec: {
        capacity: { storage: spec.size },
        accessModes: [spec.accessMode],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        nfs: { server: spec.nfs.server, path: spec.nfs.path },
        claimRef: { namespace: spec.namespace, name: spec.name },
      },
    };
    objects.push(kube(pv));
  }
  const pvc: V1PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: spec.labels,
      // Deleting the app's objects must never delete its data.
      annotations: KEEP_ON_PRUNE,
    },
    spec: {
      accessModes: [spec.accessMode],
      resources: { requests: { storage: spec.size } },
      storageClassName: spec.nfs ? '' : spec.storageClass,
      volumeName: spec.nfs?.persistentVolumeName,
    },
  };
  objects.push(kube(pvc));
  return objects;
}

export function renderVolume(app: ResolvedApp, volume: ResolvedVolume): KubeObject[] {
  if (!volume.create) return [];
  return claimObjects({
    name: volume.claimName,
    namespace: app.namespace,
    labels: appLabels(app, `volume-${volume.name}`),
    size: volume.create.size,
    accessMode: volume.accessMode,
    storageClass: volume.create.storageClass,
    nfs: volume.nfs,
  });
}
