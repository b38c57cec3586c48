/**
 * The cert-manager ACME ClusterIssuer every Certificate berth renders points at (cluster.certIssuer):
 * HTTP-01 through the ingress class, or DNS-01 (wildcards, hosts the internet cannot reach) with
 * the provider's credentials in a Secret in cert-manager's namespace.
 */
import type { ResolvedPlatform } from '../config/resolved.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { platformLabels } from '../model/labels.ts';

export function renderClusterIssuer(issuer: NonNullable<ResolvedPlatform['issuer']>): KubeObject {
  const dns = issuer.dns01;
  const solver = !dns
    ? { http01: { ingress: { ingressClassName: issuer.ingressClass } } }
    : dns.provider === 'route53'
      ? {
          dns01: {
            route53: {
              region: dns.region,
              hostedZoneID: dns.hostedZoneID,
              accessKeyIDSecretRef: { name: dns.credentialsSecret, key: 'AWS_ACCESS_KEY_ID' },
              secretAccessKeySecretRef: { name: dns.credentialsSecret, key: 'AWS_SECRET_ACCESS_KEY' },
            },
          },
        }
      : { dns01: { cloudflare: { apiTokenSecretRef: { name: dns.credentialsSecret, key: 'CF_DNS_API_TOKEN' } } } };
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name: issuer.name, labels: platformLabels('cert-manager') },
    spec: {
      acme: {
        email: issuer.email,
        server: issuer.server,
        privateKeySecretRef: { name: `${issuer.name}-account-key` },
        solvers: [solver],
      },
    },
  };
}
