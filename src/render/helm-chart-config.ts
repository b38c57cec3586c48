/**
 * K3s' bundled Traefik, configured through a `HelmChartConfig` (helm.cattle.io/v1) named like the
 * chart K3s installs: one Traefik per node with the node's ports (seed 001's DaemonSet with
 * hostNetwork), and Traefik's own Let's Encrypt resolver with a DNS challenge (seed 002's Route53),
 * its credentials read from a Secret in kube-system.
 */
import type { ResolvedDnsProvider, ResolvedPlatform } from '../config/resolved.ts';
import { emitYaml } from '../manifests/yaml-emit.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { platformLabels } from '../model/labels.ts';
import { HELM_NAMESPACE } from './helm-chart.ts';

/** The DNS challenge's variables, as Traefik's lego library reads them, from the Secret's keys of the same names. */
export const DNS_ENV: Record<ResolvedDnsProvider['provider'], string[]> = {
  route53: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
  cloudflare: ['CF_DNS_API_TOKEN'],
};

export function renderTraefikConfig(traefik: NonNullable<ResolvedPlatform['traefik']>): KubeObject {
  const values: Record<string, unknown> = {};
  if (traefik.daemonSet) {
    values.deployment = { kind: 'DaemonSet' };
    // A DaemonSet on host ports cannot surge: the new pod needs the old one's ports.
    values.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
  }
  values.ports = { web: { port: traefik.ports.web }, websecure: { port: traefik.ports.websecure } };
  if (traefik.hostNetwork) {
    values.hostNetwork = true;
    // Ports below 1024 on the host need the capability (and root to use it, as the chart documents).
    values.securityContext = {
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      readOnlyRootFilesystem: true,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    };
  }
  if (traefik.acme) {
    const { dns } = traefik.acme;
    values.certificatesResolvers = {
      [traefik.acme.resolver]: {
        acme: {
          email: traefik.acme.email,
          storage: traefik.acme.storage,
          dnsChallenge: { provider: dns.provider },
        },
      },
    };
    values.env = [
      ...DNS_ENV[dns.provider].map((name) => ({ name, valueFrom: { secretKeyRef: { name: dns.credentialsSecret, key: name } } })),
      ...(dns.provider === 'route53'
        ? [{ name: 'AWS_REGION', value: dns.region }, ...(dns.hostedZoneID ? [{ name: 'AWS_HOSTED_ZONE_ID', value: dns.hostedZoneID }] : [])]
        : []),
    ];
    // Certificates survive a restart (seed 002 keeps them on Traefik's volume).
    values.persistence = { enabled: true, path: '/data' };
  }
  return {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChartConfig',
    metadata: { name: 'traefik', namespace: HELM_NAMESPACE, labels: platformLabels('traefik') },
    spec: { valuesContent: emitYaml(values) },
  };
}
