/**
 * Everything berth renders must be accepted by a real kube-apiserver with strict field
 * validation: an unknown or misspelt field (the kind a plain-object renderer can produce) fails
 * here instead of on a user's cluster. Each example is applied with a server-side dry run into
 * namespaces of its own. The add-on kinds (CloudNativePG, cert-manager, Traefik) are checked
 * against those projects' own CRDs (testenv/upstream-crds.ts), as a real cluster would.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { exampleTag } from '../../src/config/tag-scheme.ts';
import { render, renderPlatform, type KubeObject } from '../../src/render/index.ts';
import { toYamlStream } from '../../src/manifests/serialize.ts';
import { parseAllDocuments } from 'yaml';
import { exampleNames } from '../../testenv/examples.ts';
import { patchesK3s } from '../../src/platform/apply.ts';
import { binaries } from '../../testenv/paths.ts';
import { CRD_SOURCES, crdFile } from '../../testenv/upstream-crds.ts';
import { run } from '../../testenv/run.ts';
import { describeCluster, kube, requireEnv, uniqueName } from './helpers.ts';

async function kubectl(args: string[], input: string, createNamespace?: string): Promise<string> {
  if (createNamespace) {
    await kube().core.createNamespace({ body: { metadata: { name: createNamespace } } });
    created.push(createNamespace);
  }
  const { stdout } = await run([binaries.kubectl, '--kubeconfig', requireEnv().kubeconfigPath, ...args], { input, timeoutMs: 60_000 });
  return stdout;
}

const examplesDir = join(import.meta.dirname, '../../examples');

interface CrdDocument {
  metadata: { name: string };
  spec: { names: { kind: string }; versions: { name: string; schema: unknown }[] };
}
const created: string[] = [];

/** Moves an environment's objects into a fresh namespace so parallel runs never collide. */
function relocate(objects: KubeObject[], from: string, to: string): KubeObject[] {
  return JSON.parse(JSON.stringify(objects).replaceAll(`"namespace":"${from}"`, `"namespace":"${to}"`)).map((o: KubeObject) =>
    o.kind === 'Namespace'
      ? { ...o, metadata: { ...o.metadata, name: to } }
      : o.kind === 'PersistentVolume'
        ? { ...o, metadata: { ...o.metadata, name: `${to}-${o.metadata.name}`.slice(0, 253) } }
        : o,
  );
}

describeCluster('rendered objects against the real API server', () => {
  afterAll(async () => {
    for (const name of created)
      await kube()
        .core.deleteNamespace({ name })
        .catch(() => undefined);
  });

  for (const example of exampleNames()) {
    it(`accepts every object of examples/${example} (server-side dry run, strict validation)`, async () => {
      const { config } = await loadConfig({ cwd: join(examplesDir, example) });
      // The database server; the cluster add-ons (cluster-wide, kube-system) have platform.test.ts.
      const platform = renderPlatform(config).filter((o) => !o.metadata.labels?.['berth.dev/platform'] && !patchesK3s(o));
      if (platform.length) {
        const namespace = uniqueName(`dry-${example}-db`).slice(0, 63);
        const from = platform.find((o) => o.kind === 'Namespace')!.metadata.name;
        const objects = relocate(platform, from, namespace);
        const output = await kubectl(
          ['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=berth', '-f', '-'],
          toYamlStream(objects.filter((o) => o.kind !== 'Namespace')),
          namespace,
        );
        expect(output.trim().split('\n'), `${example} platform`).toHaveLength(objects.length - 1);
      }
      for (const environment of Object.keys(config.environments)) {
        const namespace = uniqueName(`dry-${example}`).slice(0, 63);
        const objects = relocate(
          render(config, environment, { defaultTag: exampleTag(config.environments[environment]!.tagScheme) }),
          config.environments[environment]!.namespace,
          namespace,
        );
        // The namespace itself must exist for a dry run of what goes into it.
        await kube().core.createNamespace({ body: { metadata: { name: namespace } } });
        created.push(namespace);
        const extra = objects.filter((o) => o.metadata.namespace && o.metadata.namespace !== namespace).map((o) => o.metadata.namespace!);
        for (const ns of new Set(extra)) {
          await kube()
            .core.createNamespace({ body: { metadata: { name: ns } } })
            .catch(() => undefined);
        }
        const output = await kubectl(
          ['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=berth', '-f', '-'],
          toYamlStream(objects),
        );
        const lines = output.trim().split('\n');
        expect(lines, `${example}/${environment}`).toHaveLength(objects.length);
        expect(lines.every((l) => l.endsWith('(server dry run)'))).toBe(true);
      }
    });
  }

  it('validates against the upstream add-on CRDs at the pinned versions, not stand-ins', async () => {
    const installed: string[] = [];
    const live = new Map(
      (JSON.parse(await kubectl(['get', 'crd', '-o', 'json'], '')) as { items: CrdDocument[] }).items.map((crd) => [crd.metadata.name, crd]),
    );
    for (const source of CRD_SOURCES) {
      const published = parseAllDocuments(await readFile(crdFile(source), 'utf8'))
        .map((doc) => doc.toJS() as CrdDocument | null)
        .filter((crd) => crd !== null);
      expect(published.map((crd) => crd.spec.names.kind).sort(), source.project).toEqual([...source.kinds].sort());
      for (const crd of published) {
        // The schema the API server validates with is the one the project publishes, CEL rules included.
        expect(
          live.get(crd.metadata.name)?.spec.versions.map((v) => v.schema),
          crd.metadata.name,
        ).toEqual(crd.spec.versions.map((v) => v.schema));
        installed.push(crd.spec.names.kind);
      }
    }
    // Every add-on kind the examples render is among them.
    const rendered = new Set<string>();
    for (const example of exampleNames()) {
      const { config } = await loadConfig({ cwd: join(examplesDir, example) });
      const objects = [
        ...renderPlatform(config),
        ...Object.keys(config.environments).flatMap((env) => render(config, env, { defaultTag: exampleTag(config.environments[env]!.tagScheme) })),
      ];
      for (const o of objects) if (/(^|\.)(cnpg\.io|cert-manager\.io|traefik\.io|helm\.cattle\.io)\//.test(o.apiVersion)) rendered.add(o.kind);
    }
    expect([...rendered].filter((kind) => !installed.includes(kind))).toEqual([]);
    expect([...rendered].sort()).toEqual(
      expect.arrayContaining(['Certificate', 'Cluster', 'ClusterIssuer', 'Database', 'HelmChart', 'HelmChartConfig', 'Middleware', 'Pooler']),
    );
  });

  it('rejects an object with a misspelt field, so the check above can fail', async () => {
    const namespace = uniqueName('dry-bad');
    await kube().core.createNamespace({ body: { metadata: { name: namespace } } });
    created.push(namespace);
    const bad = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace }, spec: { ports: [{ port: 80, targetPrt: 'http' }] } };
    await expect(kubectl(['apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'], JSON.stringify(bad))).rejects.toThrow(/targetPrt/);
    // The upstream CRDs are structural (unknown fields pruned, so Strict refuses them): the same holds for add-on kinds.
    const typos = [
      {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Database',
        metadata: { name: 'x', namespace },
        spec: { cluster: { name: 'pg' }, name: 'x', owner: 'x', databaseReclaimPolicyy: 'retain' },
      },
      { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace }, spec: { instances: 1, storage: { sise: '1Gi' } } },
      { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'm', namespace }, spec: { redirectSheme: { scheme: 'https' } } },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'c', namespace },
        spec: { secretName: 's', dnsName: ['a.dev'], issuerRef: { name: 'i' } },
      },
    ];
    for (const typo of typos) {
      const field = /databaseReclaimPolicyy|sise|redirectSheme|dnsName/.exec(JSON.stringify(typo))![0];
      await expect(kubectl(['apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'], JSON.stringify(typo)), typo.kind).rejects.toThrow(
        new RegExp(field),
      );
    }
  });
});
