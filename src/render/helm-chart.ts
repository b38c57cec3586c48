/**
 * Operators as K3s `HelmChart` objects (helm.cattle.io/v1): K3s' helm-controller installs and
 * upgrades the chart at the pinned version, so the operator layer seed 000 keeps in a Pulumi stack
 * and seed 003 patches by hand becomes a file in git. Values carry the HA settings seed 003
 * applied as runtime patches (replicas, spread over nodes).
 */
import type { ResolvedOperator } from '../config/resolved.ts';
import { emitYaml } from '../manifests/yaml-emit.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { platformLabels } from '../model/labels.ts';

/** Where K3s' helm-controller looks for HelmCharts (and runs their install jobs). */
export const HELM_NAMESPACE = 'kube-system';

export function renderHelmChart(name: string, operator: ResolvedOperator, values: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChart',
    metadata: { name, namespace: HELM_NAMESPACE, labels: platformLabels(name) },
    spec: {
      repo: operator.repo,
      chart: operator.chart,
      version: operator.version,
      targetNamespace: operator.namespace,
      createNamespace: true,
      valuesContent: emitYaml(values),
    },
  };
}

/** Pod anti-affinity on the node for pods with these labels. */
export function antiAffinity(spread: 'preferred' | 'required', matchLabels: Record<string, string>): Record<string, unknown> {
  const term = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels } };
  return spread === 'required'
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

/** cert-manager with its CRDs, the controller and webhook replicated and spread, with a PDB. */
export function renderCertManager(operator: ResolvedOperator): KubeObject {
  const component = (name: string) => ({
    replicaCount: operator.replicas,
    affinity: antiAffinity(operator.spread, { 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': name }),
    podDisruptionBudget: { enabled: operator.replicas > 1, minAvailable: 1 },
  });
  return renderHelmChart('cert-manager', operator, {
    crds: { enabled: true, keep: true },
    ...component('controller'),
    webhook: component('webhook'),
    cainjector: component('cainjector'),
  });
}

/** The CloudNativePG operator (seed 003: two replicas on two nodes). */
export function renderCnpgOperator(operator: ResolvedOperator): KubeObject {
  return renderHelmChart('cloudnative-pg', operator, {
    crds: { create: true },
    replicaCount: operator.replicas,
    affinity: antiAffinity(operator.spread, { 'app.kubernetes.io/name': 'cloudnative-pg' }),
  });
}
