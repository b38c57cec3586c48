/**
 * Objects that keep an app up through voluntary disruption and load: the PodDisruptionBudget and
 * the HorizontalPodAutoscaler.
 */
import type { V1PodDisruptionBudget, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Hpa, ResolvedApp, ResolvedProcess } from '../config/resolved.ts';
import { appLabels, selectorLabels } from '../model/labels.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';

/**
 * minAvailable 1 keeps one pod through a node drain when there are several; a single pod or a
 * singleton gets 0, since 1 would block every drain (seed 001 learned this for its worker).
 */
export function renderPdb(app: ResolvedApp, process: ResolvedProcess): KubeObject {
  const several = !process.singleton && (process.hpa ? process.hpa.min > 1 : process.replicas > 1);
  const pdb: V1PodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: process.objectName, namespace: app.namespace, labels: appLabels(app, process.name) },
    spec: {
      minAvailable: several ? 1 : 0,
      selector: { matchLabels: selectorLabels(app, process.name) },
      // A release whose pods never become Ready must not hold a node drain hostage: pods that are
      // not Ready may always be evicted (the default, IfHealthyBudget, would block on them).
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
  return kube(pdb);
}

export function renderHpa(app: ResolvedApp, process: ResolvedProcess, hpa: Hpa): KubeObject {
  const autoscaler: V2HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: process.objectName, namespace: app.namespace, labels: appLabels(app, process.name) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: process.objectName },
      minReplicas: hpa.min,
      maxReplicas: hpa.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: hpa.cpuPercent } } }],
    },
  };
  return kube(autoscaler);
}
