/**
 * List + watch with the rules that make a watch trustworthy (client-node informer.ts, kstatus,
 * kubernetes-fluent-client): list first and watch from the list's resourceVersion; a 410 Gone
 * (an expired resourceVersion, as an HTTP status or an ERROR event) means re-list; a dropped
 * connection or an API server restart means re-watch from the last resourceVersion seen, with a
 * short backoff; an abort signal ends it. Never sleep-polling.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from './connect.ts';
import { httpStatus, kubeError } from './errors.ts';
import { streamGet } from './http.ts';

export interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [key: string]: unknown };
  [field: string]: unknown;
}

export interface WatchTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export type WatchChange = 'synced' | 'added' | 'modified' | 'deleted';

export interface WatchOptions<T extends RawObject> {
  signal: AbortSignal;
  /** Called after the store changed (and once after every full list, with 'synced'). */
  onChange: (change: WatchChange, object: T | undefined, store: ReadonlyMap<string, T>) => void;
  /** A connection was lost and is being re-established (for progress output and tests). */
  onReconnect?: (reason: string) => void;
  /**
   * The first list may come from the API server's cache as it is (resourceVersion=0), as an
   * informer's does: the watch from that list's version brings it up to date, and the list neither
   * waits for the cache to be confirmed fresh nor reaches etcd. Re-lists are always fresh.
   */
  cachedFirstList?: boolean;
}

const MAX_BACKOFF_MS = 2_000;

/** Resolves when the signal aborts; rejects only on errors a retry cannot fix (403, a missing kind). */
export async function watchObjects<T extends RawObject>(cluster: Cluster, target: WatchTarget, options: WatchOptions<T>): Promise<void> {
  const store = new Map<string, T>();
  const path = await withKubeError(
    () => cluster.objects.collectionPath(target.apiVersion, target.kind, target.namespace),
    `watch ${target.kind}s in ${target.namespace}`,
  );
  let resourceVersion = '';
  let backoff = 0;
  let fromCache = options.cachedFirstList === true;
  while (!options.signal.aborted) {
    try {
      if (!resourceVersion) {
        const list = await cluster.objects.listRaw<T>(target.apiVersion, target.kind, { ...target, ...(fromCache ? { resourceVersion: '0' } : {}) });
        fromCache = false;
        store.clear();
        for (const item of list.items) store.set(key(item), item);
        resourceVersion = list.resourceVersion;
        options.onChange('synced', undefined, store);
      }
      const ended = await watchOnce<T>(cluster, path, target, resourceVersion, options.signal, (type, object) => {
        if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        if (type === 'DELETED') store.delete(key(object));
        else store.set(key(object), object);
        backoff = 0;
        options.onChange(type === 'ADDED' ? 'added' : type === 'DELETED' ? 'deleted' : 'modified', object, store);
      });
      if (ended === 'gone') resourceVersion = '';
      else if (ended !== 'closed') throw ended;
    } catch (error) {
      if (options.signal.aborted) break;
      const status = httpStatus(error) ?? (error as { statusCode?: number }).statusCode;
      if (status === 410) {
        resourceVersion = '';
        continue;
      }
      if (status !== undefined && status !== 429 && status < 500) throw kubeError(error, `watch ${target.kind}s in ${target.namespace}`);
      // Transport failure or a server-side error: the API server may be restarting.
      options.onReconnect?.(describeFailure(error));
      backoff = Math.min(MAX_BACKOFF_MS, backoff ? backoff * 2 : 100);
      await sleep(backoff, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
}

type Ended = 'closed' | 'gone' | Error;

/** One watch request, until the server closes it, it fails, or the signal aborts. */
async function watchOnce<T extends RawObject>(
  cluster: Cluster,
  path: string,
  target: WatchTarget,
  resourceVersion: string,
  signal: AbortSignal,
  onEvent: (type: string, object: T) => void,
): Promise<Ended> {
  const query: Record<string, string> = { watch: '1', resourceVersion, allowWatchBookmarks: 'true' };
  if (target.labelSelector) query.labelSelector = target.labelSelector;
  if (target.fieldSelector) query.fieldSelector = target.fieldSelector;
  // Ends this request on an ERROR event (a Status: 410 means our resourceVersion is too old; anything else, start over too).
  if (signal.aborted) return 'closed';
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let gone = false;
  let partial = '';
  try {
    const end = await streamGet(cluster, { path, query }, stop.signal, (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim() || gone) continue;
        const event = JSON.parse(line) as { type: string; object: T };
        if (event.type === 'ERROR') {
          gone = true;
          stop.abort();
          return;
        }
        onEvent(event.type, event.object);
      }
    });
    if (gone) return 'gone';
    // The server ends a watch after its timeout (minutes): watch again from where it stopped.
    if (end === 'ended' || end === 'aborted') return 'closed';
    return new Error('the watch connection dropped');
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function key(object: RawObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function describeFailure(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string }; message?: string; statusCode?: number };
  return e.cause?.code ?? e.code ?? (e.statusCode ? `HTTP ${e.statusCode}` : undefined) ?? e.message ?? String(error);
}

async function withKubeError<T>(fn: () => Promise<T>, doing: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw kubeError(error, doing);
  }
}
