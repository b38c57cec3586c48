// Pinned versions of everything the test environment builds. Changing one of
// these invalidates the build stamp, so the next `testenv build` rebuilds.

/** Kubernetes control plane (kube-apiserver, controller-manager, scheduler, kubectl). */
export const KUBERNETES_VERSION = 'v1.34.4';
/** Staging modules (k8s.io/api, ...) carry the same patch as v0.<minor>.<patch>. */
export const KUBERNETES_STAGING_VERSION = 'v0.34.4';
/** etcd 3.6 is what kubeadm pairs with Kubernetes 1.34. */
export const ETCD_VERSION = 'v3.6.16';
/** kwok fakes kubelets (nodes and pod lifecycles); kwokctl runs the processes. */
export const KWOK_VERSION = 'v0.8.0';

// Add-on CRDs, taken from each project's Go module (the proxy serves the repository's files):
// what a K3s cluster running these operators has installed, and what berth's objects must pass.
/** CloudNativePG, config/crd/bases. */
export const CLOUDNATIVE_PG_VERSION = 'v1.28.1';
/** cert-manager, deploy/crds (the chart's CRD templates are generated from these). */
export const CERT_MANAGER_VERSION = 'v1.21.2';
/** Traefik v3, docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml. */
export const TRAEFIK_VERSION = 'v3.7.13';
/** K3s' helm-controller (HelmChart, HelmChartConfig), pkg/crds/yaml/generated: the 0.16 line K3s 1.34 ships. */
export const HELM_CONTROLLER_VERSION = 'v0.16.27';
