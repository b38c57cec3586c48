// The CI deployer's Role covers every kind deploy writes, and nothing cluster-scoped; refusals and
// expired tokens are explained; the kubeconfig reads back as written.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MANAGED_KINDS } from '../../src/cluster/apply-set.ts';
import { explainUnauthorized, noteCredential } from '../../src/cluster/credential-note.ts';
import { forbiddenHint } from '../../src/cluster/errors.ts';
import { parseImage } from '../../src/config/image-ref.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ciRules, groupOf, plural, refusedProbes, renderCiAccess, requiredProbes } from '../../src/platform/ci-access.ts';
import { buildKubeconfig, kubeconfigYaml } from '../../src/platform/kubeconfig.ts';
import { render } from '../../src/render/index.ts';
import { exampleNames } from '../../testenv/examples.ts';

function allows(verb: string, group: string, resource: string): boolean {
  return ciRules().some((r) => !r.resourceNames && r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
}

describe('CI deployer Role', () => {
  it('may apply, prune and watch every namespaced kind any example renders, and nothing cluster-scoped', async () => {
    const root = join(import.meta.dirname, '../../examples');
    const kinds = new Map<string, string>();
    for (const name of exampleNames()) {
      const { config } = await loadConfig({ cwd: join(root, name) });
      for (const env of Object.keys(config.environments)) {
        const tags = Object.fromEntries(
          Object.keys(config.apps)
            .filter((a) => !parseImage(config.apps[a]!.image).tag)
            .map((a) => [a, tagFor(name, env)]),
        );
        for (const o of render(config, env, { tags })) kinds.set(o.kind, o.apiVersion);
      }
    }
    const clusterScoped = new Set(MANAGED_KINDS.filter((k) => k.clusterScoped).map((k) => k.kind));
    expect([...kinds.keys()].filter((k) => clusterScoped.has(k)).sort()).toEqual(['Namespace', 'PersistentVolume']);
    for (const [kind, apiVersion] of kinds) {
      if (clusterScoped.has(kind)) continue;
      for (const verb of ['create', 'patch', 'delete', 'list']) expect(allows(verb, groupOf(apiVersion), plural(kind)), `${verb} ${kind}`).toBe(true);
    }
    expect(ciRules().every((r) => !r.resources.some((res) => ['namespaces', 'persistentvolumes', 'nodes'].includes(res)))).toBe(true);
    // Release records are created and updated (PUT); events and logs are read.
    expect(allows('update', '', 'secrets')).toBe(true);
    expect(allows('get', '', 'pods/log')).toBe(true);
    expect(allows('watch', 'apps', 'replicasets')).toBe(true);
    // Never a way to grant itself more.
    expect(
      ciRules().some((r) => r.apiGroups.includes('rbac.authorization.k8s.io') || r.resources.includes('serviceaccounts/token') || r.verbs.includes('*')),
    ).toBe(false);
  });

  it('renders an account, its Role and the binding, and checks what they must and must not do', () => {
    const [account, role, binding] = renderCiAccess('shop', 'production');
    expect(account).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'berth-deployer', namespace: 'shop' }, automountServiceAccountToken: false });
    expect(role).toMatchObject({ kind: 'Role', metadata: { labels: { 'berth.dev/environment': 'production' } } });
    expect(binding).toMatchObject({ roleRef: { kind: 'Role', name: 'berth-deployer' }, subjects: [{ kind: 'ServiceAccount', namespace: 'shop' }] });
    expect(requiredProbes('shop').every((p) => p.namespace === 'shop')).toBe(true);
    expect(refusedProbes('shop', 'other').some((p) => p.namespace === undefined)).toBe(true);
    expect(plural('NetworkPolicy')).toBe('networkpolicies');
    expect(plural('Ingress')).toBe('ingresses');
  });
});

describe('refused credentials in words', () => {
  it('names what the CI credentials are for when RBAC refuses them', () => {
    const elsewhere =
      'deployments.apps is forbidden: User "system:serviceaccount:shop:berth-deployer" cannot list resource "deployments" in API group "apps" in the namespace "blog"';
    expect(forbiddenHint(elsewhere)).toMatch(/CI credentials for namespace shop: they may not list deployments.apps in blog/);
    expect(
      forbiddenHint('nodes is forbidden: User "system:serviceaccount:shop:berth-deployer" cannot list resource "nodes" in API group "" at the cluster scope'),
    ).toMatch(/may not list nodes at the cluster scope/);
    expect(forbiddenHint('secrets is forbidden: User "alice" cannot list resource "secrets"')).toMatch(/lacks RBAC permission/);
  });

  it('tells an expired token from a revoked one', () => {
    const token = (exp: number) =>
      ['x', Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:shop:berth-deployer', exp })).toString('base64url'), 'sig'].join('.');
    noteCredential(token(1_000));
    expect(explainUnauthorized(2_000_000)?.message).toBe(
      "the kubeconfig's token of system:serviceaccount:shop:berth-deployer expired at 1970-01-01T00:16:40.000Z",
    );
    noteCredential(token(5_000));
    expect(explainUnauthorized(2_000_000)?.message).toMatch(/was refused although it is valid until .*revoked/);
    noteCredential('not-a-jwt');
    expect(explainUnauthorized()).toBeUndefined();
    noteCredential(undefined);
  });
});

describe('CI kubeconfig', () => {
  it('reads back as the object it was built from', () => {
    const config = buildKubeconfig({
      name: 'berth-prod',
      server: 'https://k3s.example.com:6443',
      caData: 'Q0E=',
      namespace: 'shop',
      user: 'u@shop',
      token: 'a.b.c',
    });
    expect(parse(kubeconfigYaml(config))).toEqual(config);
  });
});

/** A tag in each example's own scheme (as examples.test.ts). */
function tagFor(example: string, env: string): string {
  if (example === 'docfast' && env === 'staging') return '3f9c2ab';
  return { docfast: '1.4.2', honeydue: '3f9c2ab', katforge: '2.7.0', kumiko: '9e1d4c7', school: 'prod-20260301.17' }[example] ?? 'latest';
}
