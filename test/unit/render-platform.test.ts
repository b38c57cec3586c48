// Cluster add-ons from the `platform` section: HelmCharts at pinned versions with HA values, the
// ClusterIssuer, Traefik's HelmChartConfig, CoreDNS; and the rules that tie them to the apps.
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { validateConfig } from '../../src/config/validate.ts';
import { toYamlStream } from '../../src/manifests/serialize.ts';
import { renderPlatform } from '../../src/render/index.ts';
import { withConfig } from './fixtures.ts';

type Any = any;

function platformOf(edit: (c: Any) => void): Any[] {
  return renderPlatform(validateConfig(withConfig(edit)).config) as Any[];
}

function values(object: Any): Any {
  return parse(object.spec.valuesContent);
}

describe('render --platform', () => {
  it('installs cert-manager and the CNPG operator as HelmCharts at pinned versions, replicated and spread', () => {
    const objects = platformOf((c) => {
      c.platform = { certManager: true, cnpg: { version: '0.23.2', replicas: 2, spread: 'required' } };
    });
    const [certManager, cnpg] = objects;
    expect(certManager).toMatchObject({
      apiVersion: 'helm.cattle.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'cert-manager', namespace: 'kube-system' },
      spec: { repo: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.2', targetNamespace: 'cert-manager', createNamespace: true },
    });
    expect(values(certManager)).toMatchObject({
      crds: { enabled: true },
      replicaCount: 2,
      webhook: { replicaCount: 2 },
      podDisruptionBudget: { enabled: true },
    });
    expect(cnpg.spec).toMatchObject({ chart: 'cloudnative-pg', version: '0.23.2', targetNamespace: 'cnpg-system' });
    expect(values(cnpg).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
  });

  it('renders the ClusterIssuer cluster.certIssuer names: HTTP-01 through the ingress class, or DNS-01 with a credentials Secret', () => {
    const http = platformOf((c) => {
      c.platform = { certManager: true, issuer: { email: 'ops@shop.dev' } };
    }).find((o) => o.kind === 'ClusterIssuer');
    expect(http).toMatchObject({
      metadata: { name: 'letsencrypt-prod' },
      spec: {
        acme: {
          email: 'ops@shop.dev',
          server: 'https://acme-v02.api.letsencrypt.org/directory',
          solvers: [{ http01: { ingress: { ingressClassName: 'traefik' } } }],
        },
      },
    });
    const dns = platformOf((c) => {
      c.cluster.certIssuer = 'letsencrypt-dns';
      c.platform = {
        certManager: true,
        issuer: { email: 'ops@shop.dev', server: 'staging', dns01: { route53: { region: 'eu-central-1', credentialsSecret: 'route53' } } },
      };
    }).find((o) => o.kind === 'ClusterIssuer');
    expect(dns.metadata.name).toBe('letsencrypt-dns');
    expect(dns.spec.acme.server).toMatch(/acme-staging-v02/);
    expect(dns.spec.acme.solvers[0].dns01.route53).toEqual({
      region: 'eu-central-1',
      accessKeyIDSecretRef: { name: 'route53', key: 'AWS_ACCESS_KEY_ID' },
      secretAccessKeySecretRef: { name: 'route53', key: 'AWS_SECRET_ACCESS_KEY' },
    });
  });

  it("configures K3s' Traefik: a hostNetwork DaemonSet (seed 001) and a DNS-challenge resolver (seed 002)", () => {
    const [host] = platformOf((c) => {
      c.cluster.ingressHostNetwork = true;
      c.cluster.networkPolicy = { ingressFrom: ['10.0.1.0/24'] };
      c.platform = { traefik: { hostNetwork: true } };
    });
    expect(host).toMatchObject({ kind: 'HelmChartConfig', metadata: { name: 'traefik', namespace: 'kube-system' } });
    expect(values(host)).toMatchObject({
      deployment: { kind: 'DaemonSet' },
      hostNetwork: true,
      ports: { web: { port: 80 }, websecure: { port: 443 } },
      updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    });
    const [acme] = platformOf((c) => {
      c.cluster.certIssuer = false;
      c.cluster.certResolver = 'le';
      c.platform = { traefik: { acme: { email: 'ops@shop.dev', dns: { cloudflare: { credentialsSecret: 'cf' } } } } };
    });
    expect(values(acme).certificatesResolvers.le.acme).toEqual({ email: 'ops@shop.dev', storage: '/data/acme.json', dnsChallenge: { provider: 'cloudflare' } });
    expect(values(acme).env).toEqual([{ name: 'CF_DNS_API_TOKEN', valueFrom: { secretKeyRef: { name: 'cf', key: 'CF_DNS_API_TOKEN' } } }]);
  });

  it('sets CoreDNS replicas and anti-affinity over K3s’ Deployment, and writes readable YAML that reads back', () => {
    const objects = platformOf((c) => {
      c.platform = { coredns: { replicas: 3 }, certManager: true };
    });
    const coredns = objects.find((o) => o.kind === 'Deployment');
    expect(coredns).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: {
        replicas: 3,
        template: {
          spec: {
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } } },
                ],
              },
            },
          },
        },
      },
    });
    const yaml = toYamlStream(objects);
    expect(yaml).toMatch(/valuesContent: \|\n {4}affinity:\n {6}podAntiAffinity:/);
    expect(parseAllDocuments(yaml).map((d) => d.toJS())).toEqual(JSON.parse(JSON.stringify(objects)));
  });
});

describe('platform rules', () => {
  it('refuses add-ons the apps would not use, and ranges for chart versions', () => {
    const errors = (edit: (c: Any) => void): string[] => {
      try {
        validateConfig(withConfig(edit));
        return [];
      } catch (error) {
        return ((error as { issues: { path: string; message: string }[] }).issues ?? []).map((i) => `${i.path}: ${i.message}`);
      }
    };
    expect(
      errors((c) => {
        c.platform = { issuer: { email: 'ops@shop.dev' }, certManager: true };
        c.cluster.certIssuer = false;
      }),
    ).toEqual([expect.stringMatching(/^platform\.issuer: no app uses this ClusterIssuer: cluster\.certIssuer is false/)]);
    expect(
      errors((c) => {
        c.cluster.certIssuer = false;
        c.cluster.certResolver = 'route53';
        c.platform = { traefik: { acme: { email: 'a@b.dev', resolver: 'le', dns: { cloudflare: { credentialsSecret: 'cf' } } } } };
      }),
    ).toEqual([expect.stringMatching(/^platform\.traefik\.acme: defines resolver "le" but cluster\.certResolver is "route53"/)]);
    expect(errors((c) => (c.platform = { traefik: { hostNetwork: true } }))).toEqual([
      expect.stringMatching(/^platform\.traefik\.hostNetwork: .*ingressHostNetwork/),
    ]);
    expect(errors((c) => (c.platform = { cnpg: { version: '0.23.x' } }))).toEqual([expect.stringMatching(/^platform\.cnpg.*exact chart version/)]);
  });
});
