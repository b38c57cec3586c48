/**
 * `berth logs -f`, stern's way (field notes C4): a watch on the pods; a stream per container
 * instance (init containers included), a new one when a container restarts (new container ID) or
 * a pod appears during a rollout; a dropped stream resumes from its last timestamp without
 * repeating lines; a stream ends when its pod goes. At most `maxRequests` streams: more at start
 * is refused, more later wait for others to end.
 */
import { type LogEnd, streamLog } from '../cluster/pod-logs.ts';
import { type RawObject, watchObjects } from '../cluster/watch.ts';
import { BerthError, UsageError } from '../errors.ts';
import type { Pod } from '../model/workloads.ts';
import { ResumePoint, splitTimestamp } from './log-lines.ts';
import { type LogsRequest, type LogTarget, logRequest, matches, podSelector, targetsOf } from './logs.ts';

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
