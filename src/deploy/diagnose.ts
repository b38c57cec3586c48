/**
 * A failed rollout in plain words: the cause (seed 001's failure table: image not pullable, app
 * crashes at start, migration failed, readiness never passes, no node can take the pod, quota),
 * the failing pod's newest Warning events, the last log lines of the failing container (its
 * previous instance when it restarted), and the commands to look further.
 */
import type { Cluster } from '../cluster/connect.ts';
import { eventsFor, type LogTail, tailLog } from '../cluster/pod-insight.ts';
import type { Failure } from './verdict.ts';

export interface Diagnosis {
  app: string;
  process: string;
  /** One or two sentences a person can act on. */
  cause: string;
  failure: Failure;
  /** The failed ReplicaSet, kept (scaled to 0 by the rollback) for inspection. */
  replicaSet?: string;
  events: string[];
  logs?: LogTail;
  next: string[];
}

export interface DiagnosisContext {
  app: string;
  process: string;
  namespace: string;
  environment: string;
  image: string;
  /** The readiness probe's path, when it is an HTTP probe. */
  healthPath?: string;
  port?: number;
  memoryLimit?: string;
  replicaSet?: string;
}

/** The cause in words and the next commands: pure. */
export function explain(failure: Failure, c: DiagnosisContext): { cause: string; next: string[] } {
  const podRef = failure.pod ? `pod ${failure.pod}` : 'the new pods';
  const describe = failure.pod ? `kubectl -n ${c.namespace} describe pod ${failure.pod}` : `kubectl -n ${c.namespace} get pods -l berth.dev/app=${c.app}`;
  // Every pod of the process, init containers included, each line prefixed with its pod.
  const logs = `berth logs ${c.app}/${c.process} --env ${c.environment}${failure.restarted ? ' --previous' : ''}`;
  const next = [describe, logs];
  switch (failure.code) {
    case 'image-pull':
      return {
        cause: `The image ${c.image} could not be pulled: the tag is not in the registry (was it pushed?), or the registry needs credentials (cluster.imagePullSecret). Kubernetes said: ${failure.message}`,
        next,
      };
    case 'crash-loop':
      return {
        cause: `The app crashes at start: ${failure.container} in ${podRef} exits${failure.exitCode !== undefined ? ` with code ${failure.exitCode}${exitMeaning(failure.exitCode)}` : ''} and keeps being restarted. Its last log lines are below.`,
        next,
      };
    case 'oom-killed':
      return {
        cause: `The app runs out of memory: ${failure.container} was killed by the kernel (OOMKilled)${c.memoryLimit ? ` at its ${c.memoryLimit} limit` : ''}. Raise resources.limits.memory, or find the leak.`,
        next,
      };
    case 'config-error':
      return {
        cause: `The container cannot be configured: ${failure.message}. A Secret or ConfigMap it reads is missing a key, or missing altogether (set secrets with \`berth secret set ${c.app}\`, or create the Secret).`,
        next,
      };
    case 'run-error':
      return { cause: `The container could not be started: ${failure.message}. Check the image's command and the process's command in the config.`, next };
    case 'init-failed':
      return {
        cause: `The migration failed: init container ${failure.container} in ${podRef} ${failure.exitCode !== undefined ? `exited with code ${failure.exitCode}` : 'keeps failing'}, so the new version never started. Fix the migration; the database keeps whatever earlier migrations committed.`,
        next: [logs, describe],
      };
    case 'unschedulable':
      if (/unbound .*PersistentVolumeClaims/.test(failure.message)) {
        return {
          cause: `The pod's volume claim is not bound: no PersistentVolume matches it and no storage class provisions one (${failure.message}). A volume left Released by a deleted claim does not bind again until its claimRef is cleared.`,
          next: [`kubectl -n ${c.namespace} get pvc`, 'kubectl get pv', describe],
        };
      }
      return {
        cause: `No node can take the pod: ${failure.message} Lower resources.requests, free capacity, or add a node.`,
        next: [describe, 'kubectl describe nodes'],
      };
    case 'replica-failure':
      return {
        cause: `Kubernetes refused to create the pods: ${failure.message} (a ResourceQuota or LimitRange in the namespace?).`,
        next: [`kubectl -n ${c.namespace} describe quota`, `kubectl -n ${c.namespace} get events`],
      };
    case 'progress-deadline':
      return { cause: `The rollout made no progress within its deadline: ${failure.message}`, next };
    case 'timeout':
      return {
        cause: `The rollout did not finish in time: ${failure.message}.${c.healthPath ? ` If the pods run but never become ready, the readiness probe (GET ${c.healthPath}${c.port ? ` on port ${c.port}` : ''}) never answers 2xx.` : ''}`,
        next,
      };
    case 'health-check':
      return { cause: `The rollout finished but the app is broken: ${failure.message}.`, next };
    case 'refused':
      return { cause: failure.message, next: [] };
  }
}

function exitMeaning(code: number): string {
  if (code === 137) return ' (killed: out of memory, or did not stop in time)';
  if (code === 143) return ' (terminated)';
  if (code === 127) return ' (command not found: check the command and the image)';
  if (code === 126) return ' (command not executable)';
  return '';
}

/** Reads the pod's events and logs and puts the diagnosis together. Never throws: a diagnosis is best effort. */
export async function diagnose(cluster: Cluster, failure: Failure, context: DiagnosisContext): Promise<Diagnosis> {
  const { cause, next } = explain(failure, context);
  const diagnosis: Diagnosis = { app: context.app, process: context.process, cause, failure, replicaSet: context.replicaSet, events: [], next };
  if (!failure.pod) return diagnosis;
  try {
    const events = await eventsFor(cluster, context.namespace, failure.pod);
    diagnosis.events = events
      .filter((e) => e.type === 'Warning')
      .slice(0, 5)
      .map((e) => `${e.reason ?? 'Warning'}: ${e.message ?? ''}${e.count && e.count > 1 ? ` (×${e.count})` : ''}`.trim());
  } catch {
    // Events are a help, not a requirement.
  }
  if (failure.container && failure.code !== 'image-pull' && failure.code !== 'unschedulable') {
    try {
      diagnosis.logs =
        (await tailLog(cluster, context.namespace, failure.pod, failure.container, { lines: 50, previous: failure.restarted === true })) ??
        (failure.restarted ? await tailLog(cluster, context.namespace, failure.pod, failure.container, { lines: 50, previous: false }) : undefined);
    } catch {
      // The container may never have produced a log.
    }
  }
  return diagnosis;
}

/** The diagnosis as printed after a failed deploy and by `berth diagnose`. */
export function formatDiagnosis(d: Diagnosis, paint: (colour: 'red' | 'gray' | 'bold', text: string) => string = (_, t) => t): string {
  const lines = [`${paint('bold', `${d.app}${d.process === 'web' ? '' : `/${d.process}`}`)}: ${d.cause}`];
  if (d.replicaSet) lines.push(`  failed ReplicaSet ${d.replicaSet} is kept for inspection`);
  if (d.events.length) lines.push('  events (newest first):', ...d.events.map((e) => `    ${e}`));
  if (d.logs?.lines.length) {
    lines.push(
      `  last ${d.logs.lines.length} log lines of ${d.logs.container}${d.logs.previous ? ' (previous instance)' : ''}:`,
      ...d.logs.lines.map((l) => paint('gray', `    ${l}`)),
    );
  }
  if (d.next.length) lines.push('  look further:', ...d.next.map((n) => `    ${n}`));
  return lines.join('\n');
}
