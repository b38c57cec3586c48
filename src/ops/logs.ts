/**
 * `berth logs`: the logs of one process, one app or every app of an environment. Without -f, one
 * pod list and one request per container (at most `maxRequests` at a time), merged by timestamp.
 * With -f, stern's way (field notes C4): a watch on the pods; a stream per container instance
 * (init containers included), a new one when a container restarts (new container ID) or a pod
 * appears during a rollout; a dropped stream resumes from its last timestamp without repeating
 * lines; a stream ends when its pod goes.
 */
import type { Cluster } from '../cluster/connect.ts';
import { type LogEnd, type LogRequest, streamLog } from '../cluster/pod-logs.ts';
import { listIn } from '../cluster/read.ts';
import { type RawObject, watchObjects } from '../cluster/watch.ts';
import { BerthError, UsageError } from '../errors.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import type { ContainerStatus, Pod } from '../model/workloads.ts';
import { type LogLine, ResumePoint, splitTimestamp } from './log-lines.ts';

export interface LogTarget {
  pod: string;
  podUid: string;
  app: string;
  /** The process, or `cron-<task>` for a cron run. */
  process: string;
  container: string;
  init: boolean;
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
    targets.push({ pod: pod.metadata.name, podUid: pod.metadata.uid ?? pod.metadata.name, app, process, container: status.name, init, containerId });
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

function matches(request: LogsRequest, line: LogLine): boolean {
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

function logRequest(request: LogsRequest, target: LogTarget, from: { tail?: number; sinceTime?: string }): LogRequest {
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

interface Tail {
  target: LogTarget;
  controller: AbortController;
  done: Promise<void>;
}

/** With -f: follows every matching container until the signal aborts. */
export async function followLogs(request: LogsRequest): Promise<void> {
  const tails = new Map<string, Tail>();
  /** Container instances already followed (or finished), by pod UID + container + container ID. */
  const seen = new Set<string>();
  const waiting = new Map<string, LogTarget>();
  const stopping = new Set<Tail>();
  let synced = false;
  let capNoticed = 0;
  const retryMs = request.retryMs ?? 10_000;

  const start = (target: LogTarget, initial: boolean, restart: boolean) => {
    const key = `${target.podUid}/${target.container}`;
    const instance = `${key}/${target.containerId}`;
    seen.add(instance);
    const controller = new AbortController();
    const signal = AbortSignal.any([request.signal, controller.signal]);
    const resume = new ResumePoint();
    request.notice({ type: 'started', target, restart });
    const run = async () => {
      let sinceTime: string | undefined;
      let attempts: number[] = [];
      for (;;) {
        let end: LogEnd;
        try {
          end = await streamLog(
            request.cluster,
            logRequest(request, target, sinceTime ? { sinceTime } : { tail: initial ? request.tail : undefined }),
            signal,
            (raw) => {
              const line = splitTimestamp(raw);
              if (resume.accept(line) && matches(request, line)) request.write(target, line);
            },
          );
        } catch (error) {
          if (signal.aborted) return;
          request.notice({ type: 'failed', target, message: (error as Error).message });
          end = 'dropped';
        }
        if (end === 'aborted' || signal.aborted) return;
        if (end === 'ended') {
          request.notice({ type: 'stopped', target, why: 'container ended' });
          return;
        }
        // Dropped: resume where it stopped, at most twice per 20 s (stern).
        const now = Date.now();
        attempts = attempts.filter((t) => now - t < 2 * retryMs);
        if (attempts.length >= 2) await sleep(Math.max(0, attempts[0]! + 2 * retryMs - now), signal);
        if (signal.aborted) return;
        attempts.push(Date.now());
        sinceTime = resume.resume() ?? sinceTime;
        request.notice({ type: 'reconnecting', target });
      }
    };
    const current = tails.get(key);
    const tail: Tail = { target, controller, done: run() };
    tails.set(key, tail);
    tail.done.finally(() => {
      if (tails.get(key) === tail) tails.delete(key);
      startWaiting();
    });
    // The previous instance of a restarted container has ended; stop waiting for it.
    current?.controller.abort();
  };

  const startWaiting = () => {
    for (const [instance, target] of waiting) {
      if (tails.size >= request.maxRequests) break;
      waiting.delete(instance);
      start(target, false, false);
    }
  };

  const onPods = (store: ReadonlyMap<string, Pod>) => {
    const present = new Set<string>();
    const candidates: { target: LogTarget; restart: boolean }[] = [];
    for (const pod of store.values()) {
      for (const target of targetsOf(pod)) {
        const key = `${target.podUid}/${target.container}`;
        present.add(key);
        const instance = `${key}/${target.containerId}`;
        if (seen.has(instance) || waiting.has(instance)) continue;
        const previous = tails.get(key) ?? [...seen].some((s) => s.startsWith(`${key}/`));
        candidates.push({ target, restart: Boolean(previous) });
      }
    }
    // Pods that are gone: stop their streams once the last lines had a moment to arrive.
    for (const [key, tail] of tails) {
      if (present.has(key) || stopping.has(tail)) continue;
      stopping.add(tail);
      setTimeout(() => {
        stopping.delete(tail);
        if (tails.get(key) !== tail) return;
        tail.controller.abort();
        request.notice({ type: 'stopped', target: tail.target, why: 'pod gone' });
      }, 1000).unref();
    }
    if (!synced && candidates.length > request.maxRequests) {
      throw new UsageError(`${candidates.length} containers match, more than --max-log-requests ${request.maxRequests} streams at once`, {
        hint: 'Narrow it to an app or a process (berth logs APP/PROCESS -f), or raise --max-log-requests.',
      });
    }
    for (const { target, restart } of candidates) {
      if (tails.size >= request.maxRequests) {
        waiting.set(`${target.podUid}/${target.container}/${target.containerId}`, target);
        continue;
      }
      start(target, !synced, restart);
    }
    if (waiting.size && waiting.size !== capNoticed) {
      capNoticed = waiting.size;
      request.notice({ type: 'capped', waiting: waiting.size, max: request.maxRequests });
    }
    synced = true;
  };

  let failure: unknown;
  const stop = new AbortController();
  const signal = AbortSignal.any([request.signal, stop.signal]);
  await watchObjects<RawObject>(
    request.cluster,
    { apiVersion: 'v1', kind: 'Pod', namespace: request.namespace, labelSelector: podSelector(request.environment, request.app, request.process) },
    {
      signal,
      onChange: (_change, _pod, store) => {
        try {
          onPods(store as unknown as ReadonlyMap<string, Pod>);
        } catch (error) {
          failure = error;
          stop.abort();
        }
      },
    },
  ).catch((error: unknown) => {
    failure ??= error;
  });
  for (const tail of tails.values()) tail.controller.abort();
  await Promise.all([...tails.values()].map((t) => t.done));
  if (failure) throw failure instanceof BerthError ? failure : new BerthError(String((failure as Error).message ?? failure));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
