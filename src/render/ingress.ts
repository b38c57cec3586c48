/**
 * HTTP routing: an Ingress per routed process for the cluster's ingress class, TLS from
 * cert-manager Certificates (one per host, shared by apps that split a host by path), HTTP → HTTPS,
 * and the www → apex redirect as Traefik Middlewares or an ingress-nginx annotation.
 */
import type { V1Ingress, V1IngressRule } from '@kubernetes/client-node';
import type { ResolvedApp, ResolvedCluster, ResolvedProcess, Tls } from '../config/resolved.ts';
import { appLabels, environmentLabels } from '../model/labels.ts';
import { tlsSecretName } from '../model/names.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';

export function renderIngress(app: ResolvedApp, process: ResolvedProcess & { port: number }, cluster: ResolvedCluster, tls: Tls | undefined): KubeObject[] {
  const hosts = process.hosts;
  const redirect = app.wwwRedirect && process.name === 'web';
  const annotations: Record<string, string> = {};
  const objects: KubeObject[] = [];
  if (cluster.ingressClass === 'traefik') {
    const middlewares: KubeObject[] = [];
    // ingress-nginx sends HTTP to HTTPS by itself once a host has TLS; Traefik needs telling.
    if (tls) {
      middlewares.push(middleware(app, process, 'https-redirect', { redirectScheme: { scheme: 'https', permanent: true } }));
    }
    if (redirect) {
      middlewares.push(
        middleware(app, process, 'www-redirect', { redirectRegex: { regex: '^(https?)://www\\.(.+)', replacement: '${1}://${2}', permanent: true } }),
      );
    }
    if (process.stripPrefix) middlewares.push(middleware(app, process, 'strip-prefix', { stripPrefix: { prefixes: [prefixOf(process.path)] } }));
    if (middlewares.length) {
      annotations['traefik.ingress.kubernetes.io/router.middlewares'] = middlewares.map((m) => `${app.namespace}-${m.metadata.name}@kubernetescrd`).join(',');
      objects.push(...middlewares);
    }
    // Traefik's own ACME resolver obtains and stores the certificates; no Secret, no Certificate.
    if (tls?.resolver) {
      annotations['traefik.ingress.kubernetes.io/router.tls'] = 'true';
      annotations['traefik.ingress.kubernetes.io/router.tls.certresolver'] = tls.resolver;
    }
  }
  if (redirect && cluster.ingressClass === 'nginx') {
    annotations['nginx.ingress.kubernetes.io/from-to-www-redirect'] = 'true';
  }
  const rewrite = process.stripPrefix && cluster.ingressClass === 'nginx';
  if (rewrite) {
    annotations['nginx.ingress.kubernetes.io/rewrite-target'] = '/$2';
    annotations['nginx.ingress.kubernetes.io/use-regex'] = 'true';
  }
  // ingress-nginx serves the www host itself when redirecting; listing it as a rule would route it.
  const ruleHosts = redirect && cluster.ingressClass === 'nginx' ? process.domains : hosts;
  const rules: V1IngressRule[] = ruleHosts.map((host) => ({
    host,
    http: { paths: routePaths(process.path, rewrite).map((p) => ({ ...p, backend: { service: { name: process.objectName, port: { name: 'http' } } } })) },
  }));
  const ingress: V1Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: process.objectName,
      namespace: app.namespace,
      labels: appLabels(app, process.name),
      annotations: Object.keys(annotations).length ? annotations : undefined,
    },
    spec: {
      ingressClassName: cluster.ingressClass,
      rules,
      tls: tls?.issuer ? hosts.map((host) => ({ hosts: [host], secretName: tlsSecretName(host) })) : undefined,
    },
  };
  objects.push(kube(ingress));
  return objects;
}

/** `/play/lextris/` and `/play/lextris` both mean the prefix `/play/lextris`. */
function prefixOf(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/**
 * The path itself (Exact) and everything below it (Prefix with the slash): Traefik matches
 * Prefix character by character, so `/play/lextris/` alone misses `/play/lextris` (which then
 * reaches the app at `/`) and `/play/lextris` alone would catch `/play/lextrisx`. With a
 * rewrite, ingress-nginx needs one regular expression capturing what follows the prefix.
 */
function routePaths(path: string, rewrite: boolean): Array<{ path: string; pathType: string }> {
  const prefix = prefixOf(path);
  if (prefix === '/') return [{ path: '/', pathType: 'Prefix' }];
  if (rewrite) return [{ path: `${prefix}(/|$)(.*)`, pathType: 'ImplementationSpecific' }];
  return [
    { path: prefix, pathType: 'Exact' },
    { path: `${prefix}/`, pathType: 'Prefix' },
  ];
}

/** One Certificate per host in the namespace: two apps on one host by path share it. */
export function renderCertificate(host: string, namespace: string, environment: string, issuer: string): KubeObject {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: tlsSecretName(host), namespace, labels: environmentLabels(environment) },
    spec: {
      secretName: tlsSecretName(host),
      dnsNames: [host],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: issuer },
    },
  };
}

function middleware(app: ResolvedApp, process: ResolvedProcess, purpose: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'Middleware',
    metadata: { name: `${process.objectName}-${purpose}`, namespace: app.namespace, labels: appLabels(app, process.name) },
    spec,
  };
}
