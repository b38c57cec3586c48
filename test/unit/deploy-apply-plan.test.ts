// How a deploy sends its objects: what pods need first, then the Deployments, then the rest; and
// which objects a dry run found would not change, so they are not sent again.
import { describe, expect, it } from 'vitest';
import { applyBatches, changedBy, mapLimit, ref } from '../../src/cluster/apply-set.ts';
import type { RawObject } from '../../src/cluster/watch.ts';
import { appliedHash, stamped } from '../../src/cluster/applied-stamp.ts';
import { noopApplies, untouchedSinceApplied } from '../../src/deploy/plan.ts';
import { compareObjects, type KubeObject } from '../../src/model/kube-object.ts';
import { ANNOTATION } from '../../src/model/labels.ts';

const object = (kind: string, name: string, over: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'shop', labels: { 'app.kubernetes.io/version': 'v1' } },
  ...over,
});

/** The object as the API server answers: server-set metadata, status and managedFields added. */
function served(desired: KubeObject, fields: unknown = { 'f:metadata': { 'f:labels': {} } }, time = '2026-12-01T10:00:00Z'): RawObject {
  return {
    ...structuredClone(desired),
    metadata: {
      ...structuredClone(desired.metadata),
      uid: 'u1',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2026-11-30T09:00:00Z',
      managedFields: [
        { manager: 'berth', operation: 'Apply', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: fields },
        { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} } },
      ],
    },
    status: { observedGeneration: 3 },
  } as RawObject;
}

describe('apply order', () => {
  const objects = [
    object('NetworkPolicy', 'web'),
    object('Deployment', 'web'),
    object('Ingress', 'web'),
    object('ConfigMap', 'web-env-1'),
    object('Secret', 'web-secrets-1'),
    object('Service', 'web'),
    object('Deployment', 'worker'),
    object('Widget', 'unknown-kind'),
  ].sort(compareObjects);
  const kinds = (batches: KubeObject[][]) => batches.map((b) => b.map((o) => `${o.kind}/${o.metadata.name}`));

  it('creates what pods need first, kind by kind, then sends the Deployments, then everything else at once', () => {
    expect(kinds(applyBatches(objects, { dryRun: false }))).toEqual([
      ['ConfigMap/web-env-1'],
      ['Secret/web-secrets-1'],
      ['Deployment/web', 'Deployment/worker'],
      ['Service/web', 'Ingress/web', 'NetworkPolicy/web', 'Widget/unknown-kind'],
    ]);
  });

  it('updates what pods need beside the Deployments when it exists already (the pods find it)', () => {
    const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
    const live = new Map([[ref(configMap), served(configMap)]]);
    expect(kinds(applyBatches(objects, { dryRun: false, live }))).toEqual([
      ['Secret/web-secrets-1'],
      ['ConfigMap/web-env-1', 'Deployment/web', 'Deployment/worker'],
      ['Service/web', 'Ingress/web', 'NetworkPolicy/web', 'Widget/unknown-kind'],
    ]);
  });

  it('sends a dry run all at once', () => {
    expect(kinds(applyBatches(objects, { dryRun: true }))).toEqual([objects.map((o) => `${o.kind}/${o.metadata.name}`)]);
    expect(applyBatches([], { dryRun: false })).toEqual([]);
  });
});

describe('applying objects a few at a time', () => {
  it('starts nothing after a refusal, and reports it once the writes in flight have ended', async () => {
    const started: number[] = [];
    const ended: number[] = [];
    const write = async (item: number) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, item === 1 ? 5 : 30));
      ended.push(item);
      if (item === 1) throw new Error('refused: 1');
      return item;
    };
    await expect(mapLimit([0, 1, 2, 3, 4, 5], 2, write)).rejects.toThrow('refused: 1');
    // 0 and 1 went out together; 1 was refused while 0 was still being written: nothing else started.
    expect(started).toEqual([0, 1]);
    expect(ended).toEqual([1, 0]);
  });
});

describe('applies a dry run found would change nothing', () => {
  const service = object('Service', 'web', { spec: { ports: [{ port: 80 }] } });
  const live = new Map([[ref(service), served(service)]]);
  const answer = (over: Partial<KubeObject>, fields?: unknown) => [
    { object: served({ ...service, ...over }, fields, '2026-12-01T11:00:00Z'), before: '42', changed: false },
  ];

  it('skips an object whose dry-run answer is the live object, managedFields times and status aside', () => {
    expect(noopApplies([service], answer({}), live)).toEqual(new Map([[ref(service), JSON.stringify(service)]]));
  });

  it('sends an object whose answer differs from the live one in any field', () => {
    const relabelled = { metadata: { ...service.metadata, labels: { 'app.kubernetes.io/version': 'v2' } } };
    expect(noopApplies([service], answer(relabelled), live).size).toBe(0);
    expect(noopApplies([service], answer({ spec: { ports: [{ port: 8080 }] } }), live).size).toBe(0);
  });

  it('sends an object whose fields berth would newly own (taking them back with --force-conflicts)', () => {
    const more = { 'f:metadata': { 'f:labels': {} }, 'f:spec': { 'f:replicas': {} } };
    expect(noopApplies([service], answer({}, more), live).size).toBe(0);
  });

  it('reads the live objects without changing them (they are the next comparison and the rollback record)', () => {
    const deployment = served(object('Deployment', 'web', { spec: { replicas: 2 } }));
    deployment.metadata.annotations = { 'deployment.kubernetes.io/revision': '7' };
    const before = structuredClone(deployment);
    const liveDeployment = new Map([[ref({ ...deployment, kind: 'Deployment' }), deployment]]);
    noopApplies(
      [object('Deployment', 'web', { spec: { replicas: 2 } })],
      [{ object: served(object('Deployment', 'web', { spec: { replicas: 2 } })), before: '1', changed: false }],
      liveDeployment,
    );
    expect(deployment).toEqual(before);
  });

  it('sends an object berth has never applied, or that does not exist yet', () => {
    const byKubectl = served(service);
    (byKubectl.metadata.managedFields as { manager: string }[])[0]!.manager = 'kubectl';
    expect(noopApplies([service], answer({}), new Map([[ref(service), byKubectl]])).size).toBe(0);
    expect(noopApplies([service], answer({}), new Map()).size).toBe(0);
  });
});

describe('what an apply changed', () => {
  const claim = (resourceVersion: string, volumeName?: string): RawObject => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'shop', resourceVersion },
    spec: { volumeName },
  });

  it("is nothing when a controller changed the object after berth read it (a claim bound meanwhile) and berth's apply wrote nothing", () => {
    // Read before the deploy: unbound. The dry run just before the apply saw it bound (rv 12); the
    // apply, a no-op, answers with that same resourceVersion.
    expect(changedBy(claim('10'), claim('12', 'pv-1'), claim('12', 'pv-1'))).toBe(false);
    expect(changedBy(claim('10'), claim('13', 'pv-1'), claim('12', 'pv-1'))).toBe(true);
  });

  it('is a new object, a new resourceVersion without a dry run, or a new generation', () => {
    expect(changedBy(undefined, claim('12'))).toBe(true);
    expect(changedBy(claim('10'), claim('12'))).toBe(true);
    expect(changedBy(claim('10'), claim('10'))).toBe(false);
    const deployment = (generation: number, resourceVersion: string): RawObject => ({
      kind: 'Deployment',
      metadata: { name: 'web', generation, resourceVersion },
    });
    // Controllers write a Deployment's status all the time; only a new generation is berth's change.
    expect(changedBy(deployment(3, '10'), deployment(3, '15'), deployment(3, '14'))).toBe(false);
    expect(changedBy(deployment(3, '10'), deployment(4, '15'), deployment(4, '10'))).toBe(true);
  });
});

describe('objects a deploy need not even dry-run', () => {
  const service = object('Service', 'web', { spec: { ports: [{ port: 80 }] } });
  /** As the API server stores it after berth's apply: stamped with the hash of what berth sent. */
  const appliedByBerth = (desired: KubeObject) => served(stamped(desired));

  it('stamps what it applies with a hash of the content, the same whatever stamp the object carried', () => {
    const once = stamped(service);
    expect(once.metadata.annotations?.[ANNOTATION.applied]).toBe(appliedHash(service));
    expect(stamped(once)).toEqual(once);
    expect(appliedHash(object('Service', 'web', { spec: { ports: [{ port: 81 }] } }))).not.toBe(appliedHash(service));
    expect(service.metadata.annotations).toBeUndefined();
  });

  it('skips an object berth applied exactly so, written by no one else since (status aside)', () => {
    const live = new Map([[ref(service), appliedByBerth(service)]]);
    expect(untouchedSinceApplied([service], live)).toEqual(new Map([[ref(service), JSON.stringify(service)]]));
  });

  it('checks an object whose content changed, that has no stamp yet, or does not exist', () => {
    const changed = object('Service', 'web', { spec: { ports: [{ port: 8080 }] } });
    expect(untouchedSinceApplied([changed], new Map([[ref(service), appliedByBerth(service)]])).size).toBe(0);
    expect(untouchedSinceApplied([service], new Map([[ref(service), served(service)]])).size).toBe(0);
    expect(untouchedSinceApplied([service], new Map()).size).toBe(0);
  });

  it('checks an object anyone else wrote since (kubectl edit, scale, label), or that is being deleted', () => {
    for (const entry of [
      { manager: 'kubectl-edit', operation: 'Update' },
      { manager: 'kubectl', operation: 'Update', subresource: 'scale' },
      { manager: 'berth', operation: 'Update' },
      { manager: 'someone', operation: 'Apply' },
    ]) {
      const live = appliedByBerth(service);
      (live.metadata.managedFields as object[]).push({ ...entry, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } });
      expect(untouchedSinceApplied([service], new Map([[ref(service), live]])).size, entry.manager).toBe(0);
    }
    const going = appliedByBerth(service);
    going.metadata.deletionTimestamp = '2026-12-01T12:00:00Z';
    expect(untouchedSinceApplied([service], new Map([[ref(service), going]])).size).toBe(0);
  });

  it('skips a namespace berth applied exactly so: its creator owning the name label and labels berth set alike is no edit', () => {
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'berth.dev/environment': 'production' } } };
    const created = (fields: unknown) => {
      const live = served(stamped(namespace), { 'f:metadata': { 'f:labels': { 'f:berth.dev/environment': {} } } });
      (live.metadata.managedFields as object[]).push({
        manager: 'kubernetes-client-javascript',
        operation: 'Update',
        fieldsType: 'FieldsV1',
        fieldsV1: fields,
      });
      return new Map([[ref(namespace), live]]);
    };
    const nameLabel = { 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/metadata.name': {} } } };
    expect(untouchedSinceApplied([namespace], created(nameLabel)).size).toBe(1);
    // berth's own create set the environment label that its apply sets too: both own it, so it holds berth's value.
    const berthCreated = { 'f:metadata': { 'f:labels': { '.': {}, 'f:berth.dev/environment': {}, 'f:kubernetes.io/metadata.name': {} } } };
    expect(untouchedSinceApplied([namespace], created(berthCreated)).size).toBe(1);
    // Anything more that manager owns is someone's edit, to be put back.
    const edited = { 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/metadata.name': {}, 'f:team': {} } } };
    expect(untouchedSinceApplied([namespace], created(edited)).size).toBe(0);
    // Only namespaces get that label from the API server.
    const live = appliedByBerth(service);
    (live.metadata.managedFields as object[]).push({ manager: 'kubectl-label', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: nameLabel });
    expect(untouchedSinceApplied([service], new Map([[ref(service), live]])).size).toBe(0);
  });

  it('always checks kinds with a pod template (their dry-run answers decide what rolls)', () => {
    const deployment = object('Deployment', 'web', { spec: { replicas: 2 } });
    expect(untouchedSinceApplied([deployment], new Map([[ref(deployment), appliedByBerth(deployment)]])).size).toBe(0);
  });

  it('applies an unstamped object once even when a dry run finds nothing else to change (it gets its stamp)', () => {
    const unstampedLive = new Map([[ref(service), served(service)]]);
    expect(noopApplies([service], [{ object: appliedByBerth(service), before: '42', changed: false }], unstampedLive).size).toBe(0);
    const stampedLive = new Map([[ref(service), appliedByBerth(service)]]);
    expect(noopApplies([service], [{ object: appliedByBerth(service), before: '42', changed: false }], stampedLive).size).toBe(1);
  });
});
