/**
 * Cluster add-ons as code on the real API server, with the upstream CRDs installed (K3s'
 * helm-controller HelmChart/HelmChartConfig, cert-manager's ClusterIssuer): every example's
 * platform objects and both DNS-01 providers pass the strict server-side dry run; `berth platform
 * apply` applies them, is a no-op the second time, and is refused to CI credentials.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applySet } from '../../src/cluster/apply-set.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { loadConfig } from '../../src/config/load.ts';
import { patchesK3s } from '../../src/platform/apply.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { ExitCode } from '../../src/errors.ts';
import { renderPlatform } from '../../src/render/index.ts';
import { exampleNames } from '../../testenv/examples.ts';
import { type Project, project } from './deploy-helpers.ts';
import { describeCluster, kube, kubectl, requireEnv } from './helpers.ts';

const ADDON_KINDS = new Set(['HelmChart', 'HelmChartConfig', 'ClusterIssuer', 'Deployment']);

/** What K3s' own manifest creates: the Deployment berth's CoreDNS settings are applied over. */
const COREDNS = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  spec: {
    selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    template: {
      metadata: { labels: { 'k8s-app': 'kube-dns' } },
      spec: { containers: [{ name: 'coredns', image: 'rancher/mirrored-coredns-coredns:1.12.3', args: ['-conf', '/etc/coredns/Corefile'] }] },
    },
  },
};

const platformConfig = {
  cluster: { certIssuer: 'letsencrypt-prod', ingressHostNetwork: true, networkPolicy: { ingressFrom: ['10.0.1.0/24'] } },
  environments: { production: { namespace: 'platform-test' } },
  apps: { web: { image: 'registry.test/web', port: 3000 } },
  platform: {
    certManager: true,
    cnpg: { replicas: 2, spread: 'required' },
    issuer: { email: 'ops@example.com' },
    traefik: { hostNetwork: true },
    coredns: { replicas: 3 },
  },
};

describeCluster('cluster add-ons (render --platform, platform apply)', () => {
  let p: Project;
  beforeAll(async () => {
    p = project('platform');
  });
  afterAll(async () => {
    await p?.cleanup();
    await kubectl([
      'delete',
      '--ignore-not-found',
      '-n',
      'kube-system',
      'helmchart/cert-manager',
      'helmchart/cloudnative-pg',
      'helmchartconfig/traefik',
      'deployment/coredns',
    ]).catch(() => undefined);
    await kubectl(['delete', '--ignore-not-found', 'clusterissuer/letsencrypt-prod']).catch(() => undefined);
  });

  it('every example and both DNS-01 providers pass the strict server-side dry run', async () => {
    const cluster = connectCluster({ kubeconfig: requireEnv().kubeconfigPath });
    await kube()
      .apps.createNamespacedDeployment({ namespace: 'kube-system', body: COREDNS as never })
      .catch(() => undefined);
    const root = join(import.meta.dirname, '../../examples');
    const configs = [];
    for (const name of exampleNames()) configs.push((await loadConfig({ cwd: join(root, name) })).config);
    for (const dns01 of [{ route53: { region: 'eu-central-1', credentialsSecret: 'route53' } }, { cloudflare: { credentialsSecret: 'cloudflare' } }]) {
      configs.push(
        validateConfig({ ...platformConfig, platform: { ...platformConfig.platform, issuer: { email: 'ops@example.com', server: 'staging', dns01 } } }).config,
      );
      configs.push(
        validateConfig({
          ...platformConfig,
          cluster: { certIssuer: false, certResolver: 'le' },
          platform: { traefik: { acme: { email: 'ops@example.com', dns: dns01 } } },
        }).config,
      );
    }
    let checked = 0;
    for (const config of configs) {
      const objects = renderPlatform(config).filter((o) => ADDON_KINDS.has(o.kind));
      // As platform apply does: berth's own objects plainly, K3s' CoreDNS taken over field by field.
      const own = await applySet(
        cluster,
        objects.filter((o) => !patchesK3s(o)),
        { dryRun: true },
      );
      const patched = await applySet(cluster, objects.filter(patchesK3s), { dryRun: true, force: true });
      checked += own.length + patched.length;
    }
    const kinds = new Set(configs.flatMap((c) => renderPlatform(c).map((o) => o.kind)));
    for (const kind of ADDON_KINDS) expect(kinds).toContain(kind);
    expect(checked).toBeGreaterThan(10);
  });

  it('platform apply applies the add-ons, changes nothing the second time, and refuses CI credentials', async () => {
    await kube()
      .apps.createNamespacedDeployment({ namespace: 'kube-system', body: COREDNS as never })
      .catch(() => undefined);
    p.write(platformConfig);
    const first = await p.berth(['platform', 'apply']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/✓ applied HelmChart kube-system\/cert-manager/);
    expect(first.stdout).toMatch(/✓ applied ClusterIssuer letsencrypt-prod/);
    const coredns = await kube().apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
    expect(coredns.spec?.replicas).toBe(3);
    expect(coredns.spec?.template.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm.topologyKey).toBe(
      'kubernetes.io/hostname',
    );
    // K3s' own fields are untouched.
    expect(coredns.spec?.template.spec?.containers[0]?.image).toBe('rancher/mirrored-coredns-coredns:1.12.3');
    const chart = JSON.parse(await kubectl(['get', '-n', 'kube-system', 'helmchart', 'cloudnative-pg', '-o', 'json']));
    expect(chart.spec).toMatchObject({ chart: 'cloudnative-pg', version: '0.27.1', targetNamespace: 'cnpg-system' });
    expect(chart.spec.valuesContent).toMatch(/replicaCount: 2/);

    const second = await p.berth(['platform', 'apply', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).applied.every((a: { changed: boolean }) => !a.changed)).toBe(true);

    // A namespace for CI credentials, then the same command with them: refused.
    await kube()
      .core.createNamespace({ body: { metadata: { name: p.namespace } } })
      .catch(() => undefined);
    p.write({ ...platformConfig, environments: { production: { namespace: p.namespace } } });
    expect((await p.berth(['ci', 'credentials', '--env', 'production', '--out', 'ci.kubeconfig'])).code).toBe(0);
    const refused = await p.berth(['platform', 'apply'], { KUBECONFIG: join(p.dir, 'ci.kubeconfig') });
    expect(refused.code).toBe(ExitCode.failure);
    expect(refused.stderr).toMatch(/forbidden .*berth-deployer" cannot (patch|get) resource "\w+"/);
  });

  it('berth audit finds an add-on that drifted from the config (CoreDNS scaled back, as a K3s upgrade does)', async () => {
    const clean = JSON.parse((await p.berth(['audit', '-o', 'json'])).stdout).findings as { check: string; level: string; subject: string; message: string }[];
    const platform = clean.filter((f) => f.check === 'platform');
    expect(platform.map((f) => f.subject).sort()).toEqual([
      'ClusterIssuer letsencrypt-prod',
      'Deployment kube-system/coredns',
      'HelmChart kube-system/cert-manager',
      'HelmChart kube-system/cloudnative-pg',
      'HelmChartConfig kube-system/traefik',
    ]);
    expect(platform.every((f) => f.level === 'pass')).toBe(true);

    await kubectl(['-n', 'kube-system', 'scale', 'deployment/coredns', '--replicas=1']);
    const audit = await p.berth(['audit']);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toMatch(
      /\(cluster\)\n +FAIL {2}platform +Deployment kube-system\/coredns: differs from the config .*\.spec\.replicas is 1 \(berth: 3\)/,
    );
    expect(audit.stdout).toMatch(/fix: berth platform apply/);
    expect((await p.berth(['platform', 'apply'])).code).toBe(0);
    expect((await kube().apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' })).spec?.replicas).toBe(3);
  });
});
