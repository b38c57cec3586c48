// The audit's rules on plain live objects: what berth renders passes; each hand-made problem is named.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { auditWorkloads, type LiveDeployment, type LiveEnvironment, unpinned } from '../../src/platform/audit-checks.ts';
import { render } from '../../src/render/index.ts';
import { baseConfig } from './fixtures.ts';

function rendered(): Pick<LiveEnvironment, 'deployments' | 'pdbs' | 'hpas' | 'networkPolicies'> {
  const objects = render(validateConfig(baseConfig()).config, 'production', { defaultTag: 'v1' }) as never[];
  const of = (kind: string) => objects.filter((o: { kind: string }) => o.kind === kind);
  return { deployments: of('Deployment'), pdbs: of('PodDisruptionBudget'), hpas: of('HorizontalPodAutoscaler'), networkPolicies: of('NetworkPolicy') };
}

function live(over: Partial<LiveEnvironment> = {}): LiveEnvironment {
  return { environment: 'production', namespace: 'shop', production: true, pods: [], nodes: ['a', 'b'], ...rendered(), ...over };
}

describe('audit rules', () => {
  it('passes what berth renders', () => {
    expect(auditWorkloads(live()).filter((f) => f.level !== 'pass')).toEqual([]);
  });

  it('names each problem with its fix', () => {
    const env = live();
    const web = env.deployments.find((d) => d.metadata.name === 'web')!;
    const broken: LiveDeployment = structuredClone(web);
    broken.spec!.replicas = 1;
    const container = broken.spec!.template!.spec!.containers[0]!;
    container.readinessProbe = undefined;
    container.resources = {};
    container.image = 'ghcr.io/acme/shop';
    broken.spec!.template!.spec!.tolerations = [];
    const findings = auditWorkloads({
      ...env,
      deployments: [broken],
      networkPolicies: [],
      pdbs: [{ metadata: { name: 'web' }, spec: { minAvailable: 1, selector: web.spec!.selector } }],
    });
    const failed = findings.filter((f) => f.level !== 'pass').map((f) => `${f.level} ${f.check}: ${f.message}`);
    expect(failed).toEqual([
      expect.stringMatching(/^fail replicas: runs 1 replica/),
      'fail pdb: blocks every node drain: minAvailable 1 with 1 replica',
      expect.stringMatching(/^fail image: image ghcr.io\/acme\/shop is not pinned/),
      expect.stringMatching(/^fail probes: serves a port but has no readiness probe/),
      expect.stringMatching(/^warn requests: no CPU or memory request/),
      expect.stringMatching(/^warn tolerations: .*300 s/),
      expect.stringMatching(/^warn network-policy: no NetworkPolicy selects its pods/),
    ]);
    expect(findings.every((f) => f.level === 'pass' || f.fix)).toBe(true);
  });

  it('sees replicas crowded on one node, and a PDB that blocks drains of broken pods', () => {
    const env = live();
    const web = env.deployments.find((d) => d.metadata.name === 'web')!;
    const pods = [1, 2].map(() => ({ metadata: { labels: web.spec!.template!.metadata!.labels }, spec: { nodeName: 'a' } }));
    const pdbs = env.pdbs.map((p) => ({ ...p, spec: { ...p.spec, unhealthyPodEvictionPolicy: undefined } }));
    const findings = auditWorkloads({ ...env, pods, pdbs }).filter((f) => f.level !== 'pass');
    expect(findings.map((f) => `${f.check}: ${f.message}`)).toContain('spread: spread is set, but all its pods run on a');
    expect(findings.filter((f) => f.check === 'pdb').every((f) => /not Ready cannot be evicted/.test(f.message))).toBe(true);
    // Outside production, one replica is fine.
    const staging = live({ production: false });
    staging.deployments = staging.deployments.map((d) => ({ ...d, spec: { ...d.spec, replicas: 1 } }));
    expect(auditWorkloads(staging).some((f) => f.check === 'replicas')).toBe(false);
  });

  it('tells pinned images from moving ones', () => {
    expect(unpinned('ghcr.io/acme/shop:latest')).toBe(true);
    expect(unpinned('ghcr.io/acme/shop')).toBe(true);
    expect(unpinned('localhost:5000/shop')).toBe(true);
    expect(unpinned('localhost:5000/shop:1.2')).toBe(false);
    expect(unpinned(`ghcr.io/acme/shop:latest@sha256:${'a'.repeat(64)}`)).toBe(false);
  });
});
