/**
 * `berth logs`: the logs of one process, one app or every app of an environment. Without -f, one
 * pod list and one request per container (at most `maxRequests` at a time), merged by timestamp.
 * With -f, see logs-follow.ts.
 */
import type { Cluster } from '../cluster/connect.ts';
import { type LogRequest, streamLog } from '../cluster/pod-logs.ts';
import { listIn } from '../cluster/read.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import type { ContainerStatus, Pod } from '../model/workloads.ts';
import { type LogLine, splitTimestamp } from './log-lines.ts';

export interface LogTarget {
  pod: string;
  podUid: string;
  app: string;
  /** The process, or `cron-<task>` for a cron run. */
  process: string;
  container: string;
  init: boolean;
  /** The pod runs other (non-init) containers beside this one, so its name must be shown. */
  sidecars: boolean;
  containerId: string;
}

export type LogNotice =
  | { type: 'started'; target: LogTarget; restart: boolean }
  | { type: 'stopped'; target: LogTarget; why: 'pod gone' | 'container ended' }
  | { type: 'reconnecting'; target: LogTarget }
  | { type: 'failed'; target: LogTarget; message: string }
  | { type: 'capped'; waiting: number; max: number };

export interface LogsRequest {
  cluster: Cluster;
  namespace: string;
  environment: string;
  app?: string;
  /** The component label: a process name or `cron-<task>`. */
  process?: string;
  follow: boolean;
  sinceSeconds?: number;
  /** Lines per container to start from; undefined or negative: all. */
  tail?: number;
  previous: boolean;
  grep?: RegExp;
  /** Concurrent log requests (streams with -f). */
  maxRequests: number;
  signal: AbortSignal;
  write: (target: LogTarget, line: LogLine) => void;
  notice: (notice: LogNotice) => void;
  /** Time between retries of a failing stream (stern: 2 per 20 s). */
  retryMs?: number;
}

export function podSelector(environment: string, app?: string, process?: string): string {
  const parts = [`${LABEL.managedBy}=${MANAGED_BY}`, `${LABEL.environment}=${environment}`];
  if (app) parts.push(`${LABEL.app}=${app}`);
  if (process) parts.push(`${LABEL.component}=${process}`);
  return parts.join(',');
}

/** Every container instance of a pod that has started, init containers first (stern's containerID rule). */
export function targetsOf(pod: Pod, options: { previous?: boolean } = {}): LogTarget[] {
  const app = pod.metadata.labels?.[LABEL.app] ?? '';
  const process = pod.metadata.labels?.[LABEL.component] ?? '';
  const statuses: [ContainerStatus, boolean][] = [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => [s, true] as [ContainerStatus, boolean]),
    ...(pod.status?.containerStatuses ?? []).map((s) => [s, false] as [ContainerStatus, boolean]),
  ];
  const targets: LogTarget[] = [];
  for (const [status, init] of statuses) {
    const containerId = options.previous ? (status.lastState?.terminated ? `${instanceOf(status)}#previous` : '') : started(status) ? instanceOf(status) : '';
    if (!containerId) continue;
    const sidecars = (pod.status?.containerStatuses?.length ?? 0) > 1;
    targets.push({ pod: pod.metadata.name, podUid: pod.metadata.uid ?? pod.metadata.name, app, process, container: status.name, init, sidecars, containerId });
  }
  return targets;
}

/** A container that has run has a log. */
function started(status: ContainerStatus): boolean {
  return Boolean(status.state?.running || status.state?.terminated || status.lastState?.terminated);
}

/**
 * Which instance of the container this is: its container ID, or where the runtime reports none
 * (kwok), the restart count, which also changes exactly when the container restarts.
 */
function instanceOf(status: ContainerStatus): string {
  return status.containerID || `restart-${status.restartCount ?? 0}`;
}

export function matches(request: LogsRequest, line: LogLine): boolean {
  return !request.grep || request.grep.test(line.text);
}

/** Without -f: every container's log, merged by timestamp. Resolves with the number of lines printed. */
export async function printLogs(request: LogsRequest): Promise<number> {
  const pods = await listIn<Pod>(request.cluster, 'Pod', request.namespace, { labelSelector: podSelector(request.environment, request.app, request.process) });
  const targets = pods
    .filter((p) => !p.metadata.deletionTimestamp || p.status?.containerStatuses?.length)
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name))
    .flatMap((p) => targetsOf(p, { previous: request.previous }));
  const collected: { target: number; index: number; line: LogLine }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < targets.length && !request.signal.aborted) {
      const index = next++;
      const target = targets[index]!;
      let count = 0;
      try {
        await streamLog(request.cluster, logRequest(request, target, { tail: request.tail }), request.signal, (raw) => {
          const line = splitTimestamp(raw);
          if (matches(request, line)) collected.push({ target: index, index: count++, line });
        });
      } catch (error) {
        request.notice({ type: 'failed', target, message: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(request.maxRequests, targets.length) }, worker));
  // Chronological across containers; one container's lines keep their order.
  collected.sort((a, b) => {
    if (a.line.at !== undefined && b.line.at !== undefined && a.line.at !== b.line.at) return a.line.at < b.line.at ? -1 : 1;
    return a.target - b.target || a.index - b.index;
  });
  for (const { target, line } of collected) request.write(targets[target]!, line);
  return collected.length;
}

export function logRequest(request: LogsRequest, target: LogTarget, from: { tail?: number; sinceTime?: string }): LogRequest {
  return {
    namespace: request.namespace,
    pod: target.pod,
    container: target.container,
    follow: request.follow,
    previous: request.previous,
    timestamps: true,
    sinceTime: from.sinceTime,
    sinceSeconds: from.sinceTime ? undefined : request.sinceSeconds,
    tailLines: from.sinceTime ? undefined : from.tail,
  };
}
