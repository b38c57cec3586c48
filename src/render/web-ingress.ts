/**
 * The way into the admin page: an Ingress for `platform.web.host` with TLS from the cluster's
 * cert-manager issuer (a Certificate, as apps get) or Traefik's resolver, HTTP sent to HTTPS, and
 * a NetworkPolicy that lets only the ingress controller reach the server's port.
 */
import type { V1Ingress, V1NetworkPolicy, V1NetworkPolicyPeer } from '@kubernetes/client-node';
import type { ResolvedWeb } from '../config/resolved.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';
import { tlsSecretName } from '../model/names.ts';
import { WEB } from '../model/web-names.ts';
import { renderCertificate } from './ingress.ts';
import { namespaceSelector, tcp, toWire } from './network-policy.ts';
import { webLabels } from './web-server.ts';

export function renderWebIngress(web: ResolvedWeb): KubeObject[] {
  const host = web.host;
  if (!host) return [];
  const objects: KubeObject[] = [];
  const annotations: Record<string, string> = {};
  if (web.cluster.ingressClass === 'traefik' && web.tls) {
    // ingress-nginx redirects to HTTPS by itself once a host has TLS; Traefik needs a Middleware.
    const redirect = `${WEB.name}-https-redirect`;
    objects.push({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: { name: redirect, namespace: web.namespace, labels: webLabels() },
      spec: { redirectScheme: { scheme: 'https', permanent: true } },
    });
    annotations['traefik.ingress.kubernetes.io/router.middlewares'] = `${web.namespace}-${redirect}@kubernetescrd`;
    if (web.tls.resolver) {
      annotations['traefik.ingress.kubernetes.io/router.tls'] = 'true';
      annotations['traefik.ingress.kubernetes.io/router.tls.certresolver'] = web.tls.resolver;
    }
  }
  if (web.tls?.issuer) {
    const certificate = renderCertificate(host, web.namespace, 'platform', web.tls.issuer);
    objects.push({ ...certificate, metadata: { ...certificate.metadata, labels: webLabels() } });
  }
  const ingress: V1Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: WEB.name, namespace: web.namespace, labels: webLabels(), annotations: Object.keys(annotations).length ? annotations : undefined },
    spec: {
      ingressClassName: web.cluster.ingressClass,
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: WEB.name, port: { name: 'http' } } } }] } }],
      tls: web.tls?.issuer ? [{ hosts: [host], secretName: tlsSecretName(host) }] : undefined,
    },
  };
  objects.push(kube(ingress));
  return objects;
}

/**
 * Only the ingress controller reaches the server (by its namespace, or from the configured address
 * ranges when it runs with hostNetwork); nothing else in the cluster may, so a compromised app
 * cannot try tokens against it. With `cluster.networkPolicy: false` (no policy controller) none.
 * Egress stays open: the server reaches the API server (a node address), the database and the
 * backup store, none of which a policy can name reliably before the cluster exists.
 */
export function renderWebNetworkPolicy(web: ResolvedWeb): KubeObject[] {
  const policy = web.cluster.networkPolicy;
  if (policy === false) return [];
  const from: V1NetworkPolicyPeer[] = [
    ...(web.cluster.ingressHostNetwork ? [] : [{ namespaceSelector: namespaceSelector(web.cluster.ingressNamespace) }]),
    ...policy.ingressFrom.map((cidr) => ({ ipBlock: { cidr } })),
  ];
  const rendered: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: WEB.name, namespace: web.namespace, labels: webLabels() },
    spec: {
      podSelector: { matchLabels: { 'berth.dev/platform': 'web' } },
      policyTypes: ['Ingress'],
      // No host, no way in: `kubectl port-forward` reaches the pod through the kubelet, not the network.
      ingress: web.host && from.length ? [{ _from: from, ports: tcp([web.port]) }] : [],
    },
  };
  return [kube(toWire(rendered) as V1NetworkPolicy)];
}
