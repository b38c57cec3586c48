/**
 * berth's own rollout verdict: watch events in → progressing / done / failed out. Pure, so it is
 * tested with recorded object sequences as well as on the real control plane.
 *
 * Done follows kubectl's rule (rollout_status.go) read against the generation berth's apply
 * returned, but counts Ready pods of the new ReplicaSet instead of trusting the Deployment's
 * `Available` condition, which can lag 30-90 s on K3s. Failure is judged on pods of the new
 * ReplicaSet only, as Argo CD, Skaffold and kstatus do, instead of waiting for the progress
 * deadline (kubectl #738, helm #7429): a release that crash-loops from its first second fails in
 * seconds, not ten minutes. See shared field notes C1-C3 and C6.
 */
import {
  condition,
  isPodReady,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  type ContainerStatus,
  type Deployment,
  type Pod,
  type ReplicaSet,
} from '../model/workloads.ts';

export type FailureCode =
  | 'image-pull'
  | 'crash-loop'
  | 'oom-killed'
  | 'config-error'
  | 'run-error'
  | 'init-failed'
  | 'unschedulable'
  | 'replica-failure'
  | 'progress-deadline'
  | 'timeout'
  | 'health-check'
  /** The API server refused the apply itself: nothing was written (see deploy's ownCheck). */
  | 'refused';

export interface Failure {
  code: FailureCode;
  /** One line, for people: what the cluster said. */
  message: string;
  pod?: string;
  container?: string;
  initContainer?: boolean;
  exitCode?: number;
  /** The container restarted: its previous instance's logs say why. */
  restarted?: boolean;
}

export interface Progress {
  desired: number;
  /** Pods of the new ReplicaSet that are Ready. */
  ready: number;
  updated: number;
  /** Pods of older ReplicaSets still running. */
  old: number;
  revision: string | undefined;
  replicaSet: string | undefined;
  /** What the pods of the new ReplicaSet are doing, e.g. "1 pulling image". */
  notes: string[];
}

export type Verdict =
  | { state: 'progressing'; progress: Progress; waitingFor: string }
  | { state: 'done'; progress: Progress }
  | { state: 'failed'; progress: Progress; failure: Failure };

export interface RolloutInput {
  deployment: Deployment;
  replicaSets: ReplicaSet[];
  pods: Pod[];
  /** metadata.generation of the Deployment as berth's apply returned it. */
  appliedGeneration: number;
  now: number;
  /** Before a pod is this old, waiting reasons that may clear up are not yet failures. */
  graceMs?: number;
  /** Unschedulable for this long fails (kstatus: 15 s). */
  unschedulableMs?: number;
  /** A container restarting this many times fails even when it is running right now. */
  maxRestarts?: number;
}

export const DEFAULT_GRACE_MS = 10_000;
const UNSCHEDULABLE_MS = 15_000;
/**
 * A claim still binding: when the PersistentVolume controller's cache has not yet seen a volume
 * created just before its claim (a busy control plane), it looks again only at its next resync
 * (--pvclaimbinder-sync-period, 15 s). Three resyncs, then it is a claim that will not bind.
 */
const UNBOUND_CLAIM_MS = 45_000;
/** A namespace's default ServiceAccount not made yet (the ServiceAccount controller was restarting: 17 s seen in CI). */
const MISSING_ACCOUNT_MS = 60_000;
const MAX_RESTARTS = 3;

export function rolloutVerdict(input: RolloutInput): Verdict {
  const { deployment } = input;
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const empty: Progress = { desired, ready: 0, updated: status.updatedReplicas ?? 0, old: 0, revision: undefined, replicaSet: undefined, notes: [] };
  if ((status.observedGeneration ?? 0) < input.appliedGeneration) {
    return { state: 'progressing', progress: empty, waitingFor: 'the controller to see the change' };
  }
  const revision = deployment.metadata.annotations?.[REVISION_ANNOTATION];
  const newRs = input.replicaSets.find((rs) => ownedBy(rs, deployment) && rs.metadata.annotations?.[REVISION_ANNOTATION] === revision);
  const hash = newRs?.metadata.labels?.[POD_TEMPLATE_HASH];
  const live = input.pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const newPods = hash ? live.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === hash) : [];
  const oldPods = live.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] !== hash);
  const progress: Progress = {
    desired,
    ready: newPods.filter(isPodReady).length,
    updated: status.updatedReplicas ?? 0,
    old: oldPods.length,
    revision,
    replicaSet: newRs?.metadata.name,
    notes: podNotes(newPods),
  };

  // The ReplicaSet cannot create pods. Some causes clear by themselves as the controller retries
  // (a new namespace's default ServiceAccount not made yet, a webhook restarting): fail only when
  // it lasts, as an unschedulable pod does; a quota or a policy refusal still fails in seconds.
  const replicaFailure = condition(newRs?.status?.conditions, 'ReplicaFailure');
  let cannotCreate: string | undefined;
  if (replicaFailure?.status === 'True') {
    const message = replicaFailure.message ?? replicaFailure.reason ?? 'the ReplicaSet cannot create pods';
    const since = Date.parse(replicaFailure.lastTransitionTime ?? '') || input.now;
    // A ServiceAccount not there yet comes once the ServiceAccount controller runs, which may itself be restarting.
    const patience =
      input.unschedulableMs ?? (/error looking up service account|serviceaccount "[^"]+" not found/.test(message) ? MISSING_ACCOUNT_MS : UNSCHEDULABLE_MS);
    if (input.now - since >= patience) {
      return { state: 'failed', progress, failure: { code: 'replica-failure', message } };
    }
    cannotCreate = message;
  }
  const failing = newPods.flatMap((pod) => {
    const failure = podFailure(pod, input);
    return failure ? [failure] : [];
  });
  // Scaling down (a failed scale rolled back), the ReplicaSet deletes its surplus pods, unscheduled
  // and unready ones first: their failures only count when the healthy pods cannot cover the replicas.
  const surplus = newPods.length - desired;
  if (failing.length > 0 && newPods.length - failing.length < desired) return { state: 'failed', progress, failure: failing[0]! };
  const progressing = condition(status.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'failed',
      progress,
      failure: { code: 'progress-deadline', message: progressing.message ?? 'the rollout made no progress within its deadline' },
    };
  }

  if (!newRs) return { state: 'progressing', progress, waitingFor: 'the new ReplicaSet' };
  if (cannotCreate) return { state: 'progressing', progress, waitingFor: `the ReplicaSet, which cannot create pods yet: ${cannotCreate}` };
  if (surplus > 0) return { state: 'progressing', progress, waitingFor: `${surplus} surplus pod${surplus === 1 ? '' : 's'} to stop` };
  if (progress.updated < desired) return { state: 'progressing', progress, waitingFor: `${progress.updated} of ${desired} updated` };
  if ((status.replicas ?? 0) > progress.updated || progress.old > 0) {
    const old = Math.max(progress.old, (status.replicas ?? 0) - progress.updated);
    return { state: 'progressing', progress, waitingFor: `${old} old pod${old === 1 ? '' : 's'} to stop` };
  }
  if (progress.ready < desired) return { state: 'progressing', progress, waitingFor: `${progress.ready} of ${desired} ready` };
  return { state: 'done', progress };
}

function ownedBy(rs: ReplicaSet, deployment: Deployment): boolean {
  const owners = rs.metadata.ownerReferences ?? [];
  return owners.some((o) => o.kind === 'Deployment' && (deployment.metadata.uid ? o.uid === deployment.metadata.uid : o.name === deployment.metadata.name));
}

const FAILING_WAIT = /^Err|BackOff$|Error$/;
const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/** The first reason this pod of the new ReplicaSet will not become Ready, if there is one. */
export function podFailure(pod: Pod, input: Pick<RolloutInput, 'now' | 'graceMs' | 'unschedulableMs' | 'maxRestarts'>): Failure | undefined {
  const name = pod.metadata.name;
  const age = input.now - Date.parse(pod.metadata.creationTimestamp ?? new Date(input.now).toISOString());
  const pastGrace = age >= (input.graceMs ?? DEFAULT_GRACE_MS);

  const scheduled = condition(pod.status?.conditions, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const since = Date.parse(scheduled.lastTransitionTime ?? pod.metadata.creationTimestamp ?? '') || input.now;
    const unbound = /unbound immediate PersistentVolumeClaims/.test(scheduled.message ?? '');
    const patience = input.unschedulableMs ?? (unbound ? UNBOUND_CLAIM_MS : UNSCHEDULABLE_MS);
    if (input.now - since >= patience) {
      return { code: 'unschedulable', message: scheduled.message ?? 'no node can take the pod', pod: name };
    }
  }

  for (const status of pod.status?.initContainerStatuses ?? []) {
    const failure = containerFailure(status, name, true, pastGrace, input.maxRestarts);
    if (failure) return failure;
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const failure = containerFailure(status, name, false, pastGrace, input.maxRestarts);
    if (failure) return failure;
  }
  return undefined;
}

function containerFailure(status: ContainerStatus, pod: string, init: boolean, pastGrace: boolean, maxRestarts = MAX_RESTARTS): Failure | undefined {
  const base = { pod, container: status.name, initContainer: init || undefined };
  const waiting = status.state?.waiting;
  const last = status.lastState?.terminated;
  const restarted = (status.restartCount ?? 0) > 0;
  if (last?.reason === 'OOMKilled' || status.state?.terminated?.reason === 'OOMKilled') {
    return {
      ...base,
      code: 'oom-killed',
      message: `${status.name} ran out of memory (OOMKilled)`,
      exitCode: (last ?? status.state?.terminated)?.exitCode,
      restarted,
    };
  }
  // An init container (the migration) that exited non-zero will not become a running app.
  const terminated = status.state?.terminated;
  if (init && terminated && terminated.exitCode !== 0) {
    return {
      ...base,
      code: 'init-failed',
      message: `${status.name} exited with code ${terminated.exitCode}${terminated.reason && terminated.reason !== 'Error' ? ` (${terminated.reason})` : ''}`,
      exitCode: terminated.exitCode,
    };
  }
  if (waiting?.reason && FAILING_WAIT.test(waiting.reason)) {
    if (PULL_REASONS.has(waiting.reason)) {
      // The kubelet retries a pull; a registry hiccup clears within the grace period.
      if (!pastGrace && waiting.reason !== 'InvalidImageName') return undefined;
      return { ...base, code: 'image-pull', message: waiting.message ?? waiting.reason };
    }
    if (waiting.reason === 'CrashLoopBackOff') {
      return {
        ...base,
        code: init ? 'init-failed' : 'crash-loop',
        message: `${status.name} keeps crashing${last ? ` (exit code ${last.exitCode}${last.reason && last.reason !== 'Error' ? `, ${last.reason}` : ''})` : ''}`,
        exitCode: last?.exitCode,
        restarted: true,
      };
    }
    if (!pastGrace) return undefined;
    return { ...base, code: waiting.reason === 'CreateContainerConfigError' ? 'config-error' : 'run-error', message: waiting.message ?? waiting.reason };
  }
  if ((status.restartCount ?? 0) >= maxRestarts && last && last.exitCode !== 0) {
    return {
      ...base,
      code: init ? 'init-failed' : 'crash-loop',
      message: `${status.name} restarted ${status.restartCount} times (last exit code ${last.exitCode})`,
      exitCode: last.exitCode,
      restarted: true,
    };
  }
  return undefined;
}

/** Short phrases for the live progress line: "1 pulling image", "2 starting". */
function podNotes(pods: Pod[]): string[] {
  const counts = new Map<string, number>();
  for (const pod of pods) {
    if (isPodReady(pod)) continue;
    counts.set(podActivity(pod), (counts.get(podActivity(pod)) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => `${n} ${what}`);
}

function podActivity(pod: Pod): string {
  const scheduled = condition(pod.status?.conditions, 'PodScheduled');
  if (scheduled?.status !== 'True') return scheduled?.reason === 'Unschedulable' ? 'unschedulable' : 'waiting for a node';
  const init = pod.status?.initContainerStatuses?.find((s) => s.state?.terminated?.exitCode !== 0);
  if (init) return init.state?.running ? `running ${init.name}` : `waiting for ${init.name}`;
  const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting)?.state?.waiting?.reason;
  if (waiting === 'ContainerCreating' || waiting === 'PodInitializing' || !pod.status?.containerStatuses) return 'pulling image';
  if (waiting) return waiting;
  return 'starting';
}
