/**
 * `berth audit` on the real control plane: a clean production environment passes; each planted
 * problem (a single-replica web app, a deleted PDB, a :latest image, a Deployment edited with
 * kubectl, a CI account bound to more than its Role) is found, named and fails the audit.
 */
import { afterAll, expect, it } from 'vitest';
import { type Project, project } from './deploy-helpers.ts';
import { describeCluster, kube, kubectl } from './helpers.ts';

const projects: Project[] = [];
const bindings: string[] = [];
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
  for (const name of bindings)
    await kube()
      .rbac.deleteClusterRoleBinding({ name })
      .catch(() => undefined);
});

function productionConfig(namespace: string, apps: Record<string, object>): object {
  return { cluster: { certIssuer: false }, environments: { production: { namespace } }, apps };
}

const web = (replicas: number) => ({ image: 'registry.test/shop', port: 3000, health: { path: '/healthz' }, replicas });

interface Finding {
  check: string;
  level: string;
  subject: string;
  message: string;
  fix: string;
}

async function auditOf(p: Project): Promise<{ code: number; findings: Finding[]; text: string }> {
  const json = await p.berth(['audit', '--env', 'production', '-o', 'json']);
  const text = await p.berth(['audit', '--env', 'production']);
  return { code: json.code, findings: JSON.parse(json.stdout).findings, text: text.stdout };
}

describeCluster('berth audit', () => {
  it('passes a clean production environment', async () => {
    const p = project('auditok');
    projects.push(p);
    p.write(productionConfig(p.namespace, { web: web(2) }));
    const deployed = await p.berth(['deploy', '--env', 'production', '--tag', 'v1']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect((await p.berth(['ci', 'credentials', '--env', 'production', '--out', 'ci.kubeconfig'])).code).toBe(0);

    const { code, findings, text } = await auditOf(p);
    expect(findings.filter((f) => f.level !== 'pass')).toEqual([]);
    expect(code).toBe(0);
    const checks = new Set(findings.map((f) => f.check));
    for (const check of ['replicas', 'spread', 'pdb', 'probes', 'requests', 'image', 'tolerations', 'network-policy', 'drift', 'ci-credentials'])
      expect(checks).toContain(check);
    expect(text).toMatch(/nothing failed, 0 warnings, \d+ passed/);
  });

  it('finds each planted problem and fails', async () => {
    const p = project('auditbad');
    projects.push(p);
    p.write(productionConfig(p.namespace, { web: web(2), single: web(1), moving: web(2), edited: web(2) }));
    const deployed = await p.berth(['deploy', '--env', 'production', '--tag', 'v1', '--tag', 'moving=latest']);
    expect(deployed.code, deployed.stderr).toBe(0);
    // A missing PDB, a hot fix with kubectl set image, and a CI account someone gave cluster-wide rights.
    await kubectl(['-n', p.namespace, 'delete', 'poddisruptionbudget', 'web']);
    await kubectl(['-n', p.namespace, 'set', 'image', 'deployment/edited', 'edited=registry.test/shop:hotfix']);
    expect((await p.berth(['ci', 'credentials', '--env', 'production', '--out', 'ci.kubeconfig'])).code).toBe(0);
    const binding = `${p.namespace}-too-much`;
    bindings.push(binding);
    await kubectl(['create', 'clusterrolebinding', binding, '--clusterrole=edit', `--serviceaccount=${p.namespace}:berth-deployer`]);

    const { code, findings, text } = await auditOf(p);
    expect(code).toBe(1);
    const failed = (check: string, subject: string) => findings.find((f) => f.level === 'fail' && f.check === check && f.subject.includes(subject));
    expect(failed('replicas', `Deployment ${p.namespace}/single`)?.message).toMatch(/runs 1 replica/);
    expect(failed('pdb', `Deployment ${p.namespace}/web`)?.message).toMatch(/no PodDisruptionBudget: a node drain may evict all 2 pods/);
    expect(failed('drift', `PodDisruptionBudget ${p.namespace}/web`)?.message).toMatch(/was deleted/);
    expect(failed('image', `Deployment ${p.namespace}/moving`)?.message).toMatch(/image registry\.test\/shop:latest is not pinned/);
    expect(failed('drift', `Deployment ${p.namespace}/edited`)?.message).toMatch(
      /edited by kubectl-set.*\.spec\.template\.spec\.containers\[0\]\.image is registry\.test\/shop:hotfix \(berth: registry\.test\/shop:v1\)/,
    );
    expect(failed('ci-credentials', 'berth-deployer')?.message).toMatch(/may do more than deploy its namespace: patch deployments.apps in/);
    // The CI kubeconfig's own check says the same.
    const check = await p.berth(['ci', 'credentials', '--check', '--env', 'production'], { KUBECONFIG: `${p.dir}/ci.kubeconfig` });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/✗ patch deployments\.apps in \S+: ALLOWED, but should be refused/);
    expect(check.stdout).toMatch(/Too broad/);
    // Nothing else about the healthy app fails.
    expect(findings.filter((f) => f.level === 'fail' && f.subject.includes('/web') && !['pdb', 'drift'].includes(f.check))).toEqual([]);
    // People get the same findings with their fix.
    expect(text).toMatch(/FAIL {2}replicas +Deployment \S+\/single: runs 1 replica.*\n +fix: Set replicas: 2 or more for single/);
    expect(text).toMatch(/\d+ failed, \d+ warnings?, \d+ passed/);
  });
});
