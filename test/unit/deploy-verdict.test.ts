// The rollout verdict on recorded object sequences: what berth decides at each step of a
// rollout, as the watch delivers it.
import { describe, expect, it } from 'vitest';
import { rolloutVerdict, type RolloutInput } from '../../src/deploy/verdict.ts';
import type { ContainerStatus, Deployment, Pod, ReplicaSet } from '../../src/model/workloads.ts';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function deployment(
  over: {
    generation?: number;
    observed?: number;
    replicas?: number;
    updated?: number;
    total?: number;
    revision?: string;
    conditions?: Deployment['status'] extends infer S ? (S extends { conditions?: infer C } ? C : never) : never;
  } = {},
): Deployment {
  return {
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'd1',
      generation: over.generation ?? 2,
      annotations: { 'deployment.kubernetes.io/revision': over.revision ?? '2' },
    },
    spec: { replicas: over.replicas ?? 2 },
    status: {
      observedGeneration: over.observed ?? 2,
      replicas: over.total ?? over.updated ?? 0,
      updatedReplicas: over.updated ?? 0,
      conditions: over.conditions,
    },
  };
}

function replicaSet(
  revision: string,
  hash: string,
  conditions: { type: string; status: string; message?: string; lastTransitionTime?: string }[] = [],
): ReplicaSet {
  return {
    metadata: {
      name: `web-${hash}`,
      labels: { 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'd1' }],
    },
    status: { conditions },
  };
}

function pod(
  name: string,
  hash: string,
  options: {
    created?: number;
    ready?: boolean;
    containers?: ContainerStatus[];
    init?: ContainerStatus[];
    scheduled?: { status: string; reason?: string; message?: string; since?: number };
  } = {},
): Pod {
  const conditions = [{ type: 'Ready', status: options.ready ? 'True' : 'False' }];
  if (options.scheduled)
    conditions.push({
      type: 'PodScheduled',
      status: options.scheduled.status,
      reason: options.scheduled.reason,
      message: options.scheduled.message,
      lastTransitionTime: at(options.scheduled.since ?? 0),
    } as never);
  else conditions.push({ type: 'PodScheduled', status: 'True' });
  return {
    metadata: { name, labels: { 'pod-template-hash': hash }, creationTimestamp: at(options.created ?? 0) },
    spec: { containers: [{ name: 'web' }] },
    status: {
      phase: 'Running',
      conditions,
      containerStatuses: options.containers ?? [{ name: 'web', ready: options.ready, state: { running: {} } }],
      initContainerStatuses: options.init,
    },
  };
}

function input(over: Partial<RolloutInput> & { seconds?: number }): RolloutInput {
  return {
    deployment: deployment(),
    replicaSets: [replicaSet('1', 'old'), replicaSet('2', 'new')],
    pods: [],
    appliedGeneration: 2,
    now: T0 + (over.seconds ?? 0) * 1000,
    ...over,
  };
}

describe('rollout verdict', () => {
  it('waits until the controller has observed the generation berth applied, even if the old status looks complete', () => {
    const v = rolloutVerdict(
      input({
        deployment: deployment({ generation: 3, observed: 2, updated: 2, total: 2 }),
        appliedGeneration: 3,
        pods: [pod('a', 'old', { ready: true }), pod('b', 'old', { ready: true })],
      }),
    );
    expect(v.state).toBe('progressing');
    if (v.state === 'progressing') expect(v.waitingFor).toMatch(/see the change/);
  });

  it('goes progressing → done through a rolling update, counting Ready pods of the new ReplicaSet', () => {
    const steps: RolloutInput[] = [
      input({ deployment: deployment({ updated: 1, total: 3 }), pods: [pod('a', 'old', { ready: true }), pod('b', 'old', { ready: true }), pod('c', 'new')] }),
      input({ deployment: deployment({ updated: 2, total: 3 }), pods: [pod('a', 'old', { ready: true }), pod('c', 'new', { ready: true }), pod('d', 'new')] }),
      input({ deployment: deployment({ updated: 2, total: 2 }), pods: [pod('c', 'new', { ready: true }), pod('d', 'new')] }),
      input({ deployment: deployment({ updated: 2, total: 2 }), pods: [pod('c', 'new', { ready: true }), pod('d', 'new', { ready: true })] }),
    ];
    const states = steps.map((s) => rolloutVerdict(s));
    expect(states.map((s) => s.state)).toEqual(['progressing', 'progressing', 'progressing', 'done']);
    expect(states[1]!.state === 'progressing' && states[1]!.waitingFor).toMatch(/old pod/);
    expect(states[2]!.state === 'progressing' && states[2]!.waitingFor).toBe('1 of 2 ready');
    expect(states[3]!.progress.replicaSet).toBe('web-new');
  });

  it('does not wait for the Deployment Available condition (it lags on K3s)', () => {
    const v = rolloutVerdict(
      input({
        deployment: deployment({ updated: 2, total: 2, conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }] }),
        pods: [pod('c', 'new', { ready: true }), pod('d', 'new', { ready: true })],
      }),
    );
    expect(v.state).toBe('done');
  });

  it('fails a crash loop at once, naming the exit code, without waiting for the progress deadline', () => {
    const crashing: ContainerStatus = {
      name: 'web',
      restartCount: 1,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      lastState: { terminated: { exitCode: 3, reason: 'Error' } },
    };
    const v = rolloutVerdict(
      input({
        deployment: deployment({ updated: 1, total: 3 }),
        pods: [pod('a', 'old', { ready: true }), pod('c', 'new', { containers: [crashing] })],
        seconds: 2,
      }),
    );
    expect(v.state).toBe('failed');
    if (v.state === 'failed') expect(v.failure).toMatchObject({ code: 'crash-loop', pod: 'c', container: 'web', exitCode: 3, restarted: true });
  });

  it('ignores failing pods of old ReplicaSets', () => {
    const crashing: ContainerStatus = {
      name: 'web',
      restartCount: 5,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1 } },
    };
    const v = rolloutVerdict(
      input({
        deployment: deployment({ updated: 2, total: 2 }),
        pods: [pod('a', 'old', { containers: [crashing] }), pod('c', 'new', { ready: true }), pod('d', 'new', { ready: true })],
      }),
    );
    expect(v.state).toBe('progressing');
  });

  it('gives an image pull failure the grace period, then fails it', () => {
    const pulling: ContainerStatus = { name: 'web', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "shop:nope"' } } };
    const pods = [pod('c', 'new', { containers: [pulling], created: 0 })];
    expect(rolloutVerdict(input({ pods, seconds: 5 })).state).toBe('progressing');
    const later = rolloutVerdict(input({ pods, seconds: 11 }));
    expect(later.state === 'failed' && later.failure).toMatchObject({ code: 'image-pull', message: 'Back-off pulling image "shop:nope"' });
  });

  it('fails a migration init container that exited non-zero', () => {
    const init: ContainerStatus = { name: 'migrate', state: { terminated: { exitCode: 2, reason: 'Error' } } };
    const v = rolloutVerdict(
      input({ pods: [pod('c', 'new', { init: [init], containers: [{ name: 'web', state: { waiting: { reason: 'PodInitializing' } } }] })] }),
    );
    expect(v.state === 'failed' && v.failure).toMatchObject({ code: 'init-failed', container: 'migrate', initContainer: true, exitCode: 2 });
  });

  it('fails Unschedulable only after 15 s, with the scheduler message', () => {
    const scheduled = { status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.', since: 0 };
    const pods = [pod('c', 'new', { scheduled, containers: [] })];
    expect(rolloutVerdict(input({ pods, seconds: 10 })).state).toBe('progressing');
    const v = rolloutVerdict(input({ pods, seconds: 16 }));
    expect(v.state === 'failed' && v.failure).toMatchObject({ code: 'unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.' });
  });

  it('gives a claim waiting to bind 45 s: the volume binder retries a missed match only every 15 s', () => {
    // Seen under load: the claim is created right after its PersistentVolume, the binder's cache
    // has not seen the volume yet, and it looks again at its next 15 s resync.
    const scheduled = {
      status: 'False',
      reason: 'Unschedulable',
      message: '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found',
      since: 0,
    };
    const pods = [pod('c', 'new', { scheduled, containers: [] })];
    expect(rolloutVerdict(input({ pods, seconds: 20 })).state).toBe('progressing');
    expect(rolloutVerdict(input({ pods, seconds: 40 })).state).toBe('progressing');
    const v = rolloutVerdict(input({ pods, seconds: 46 }));
    expect(v.state === 'failed' && v.failure).toMatchObject({ code: 'unschedulable', message: scheduled.message });
  });

  it('scaling back down does not fail on the surplus pods the ReplicaSet is about to delete', () => {
    // A scale to 6 that could not schedule, rolled back to 2: the ReplicaSet controller has not yet
    // deleted the four Pending pods, which have been Unschedulable for longer than 15 s.
    const scheduled = { status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.', since: 0 };
    const pending = ['c', 'd', 'e', 'f'].map((name) => pod(name, 'new', { scheduled, containers: [] }));
    const running = [pod('a', 'new', { ready: true }), pod('b', 'new', { ready: true })];
    const surplus = rolloutVerdict(input({ deployment: deployment({ updated: 6, total: 6 }), pods: [...running, ...pending], seconds: 30 }));
    expect(surplus.state).toBe('progressing');
    if (surplus.state === 'progressing') expect(surplus.waitingFor).toBe('4 surplus pods to stop');
    expect(rolloutVerdict(input({ deployment: deployment({ updated: 2, total: 2 }), pods: running, seconds: 31 })).state).toBe('done');
    // Too few healthy pods left to cover the replicas: the failure counts.
    const short = rolloutVerdict(input({ deployment: deployment({ updated: 6, total: 6 }), pods: [running[0]!, ...pending], seconds: 30 }));
    expect(short.state === 'failed' && short.failure.code).toBe('unschedulable');
  });

  it('fails OOMKilled and a ReplicaSet that cannot create pods (quota)', () => {
    const oom: ContainerStatus = { name: 'web', restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } };
    expect(rolloutVerdict(input({ pods: [pod('c', 'new', { containers: [oom] })] })).state === 'failed').toBe(true);
    const quota = rolloutVerdict(
      input({
        replicaSets: [
          replicaSet('2', 'new', [{ type: 'ReplicaFailure', status: 'True', message: 'pods "web-x" is forbidden: exceeded quota', lastTransitionTime: at(0) }]),
        ],
        seconds: 15,
      }),
    );
    expect(quota.state === 'failed' && quota.failure).toMatchObject({ code: 'replica-failure', message: expect.stringContaining('exceeded quota') });
  });

  it('waits out a ReplicaFailure that clears by itself: a new namespace whose default ServiceAccount is not there yet', () => {
    // The ReplicaSet controller retries; the condition goes once the ServiceAccount controller has run.
    const noAccount = [
      replicaSet('2', 'new', [
        {
          type: 'ReplicaFailure',
          status: 'True',
          message: 'pods "web-x" is forbidden: error looking up service account shop/default',
          lastTransitionTime: at(0),
        },
      ]),
    ];
    const early = rolloutVerdict(input({ replicaSets: noAccount, seconds: 3 }));
    expect(early.state).toBe('progressing');
    if (early.state === 'progressing') expect(early.waitingFor).toMatch(/cannot create pods yet: .*service account/);
    // The ServiceAccount controller may itself be restarting (seen in CI right after an API server
    // restart: 17 s): a missing ServiceAccount gets 60 s, then it is one that will not come.
    expect(rolloutVerdict(input({ replicaSets: noAccount, seconds: 30 })).state).toBe('progressing');
    expect(rolloutVerdict(input({ replicaSets: noAccount, seconds: 61 })).state).toBe('failed');
  });

  it('fails on ProgressDeadlineExceeded and on restarts that keep climbing while running', () => {
    const deadline = rolloutVerdict(
      input({
        deployment: deployment({
          conditions: [
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-new" has timed out progressing.' },
          ],
        }),
      }),
    );
    expect(deadline.state === 'failed' && deadline.failure.code).toBe('progress-deadline');
    const flapping: ContainerStatus = { name: 'web', restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 1 } } };
    expect(rolloutVerdict(input({ pods: [pod('c', 'new', { containers: [flapping] })] })).state).toBe('failed');
  });
});
