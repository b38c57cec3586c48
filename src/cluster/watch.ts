/**
 * List + watch with the rules that make a watch trustworthy (client-node informer.ts, kstatus,
 * kubernetes-fluent-client): list first and watch from the list's resourceVersion; a 410 Gone
 * (an expired resourceVersion, as an HTTP status or an ERROR event) means re-list; a dropped
 * connection or an API server restart means re-watch from the last resourceVersion seen, with a
 * short backoff; an abort signal ends it. Never sleep-polling.
 */
import { Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from './connect.ts';
import { httpStatus, kubeError } from './errors.ts';

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
  while (!options.signal.aborted) {
    try {
      if (!resourceVersion) {
        const list = await cluster.objects.listRaw<T>(target.apiVersion, target.kind, target);
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
function watchOnce<T extends RawObject>(
  cluster: Cluster,
  path: string,
  target: WatchTarget,
  resourceVersion: string,
  signal: AbortSignal,
  onEvent: (type: string, object: T) => void,
): Promise<Ended> {
  return new Promise((resolve) => {
    let gone = false;
    let controller: AbortController | undefined;
    const abort = () => controller?.abort();
    signal.addEventListener('abort', abort, { once: true });
    const finish = (ended: Ended) => {
      signal.removeEventListener('abort', abort);
      resolve(ended);
    };
    new Watch(cluster.kubeConfig)
      .watch(
        path,
        { resourceVersion, allowWatchBookmarks: true, labelSelector: target.labelSelector, fieldSelector: target.fieldSelector },
        (type: string, object: T & { code?: number }) => {
          if (type === 'ERROR') {
            // A Status object: 410 means our resourceVersion is too old; anything else, start over too.
            gone = true;
            controller?.abort();
            return;
          }
          onEvent(type, object);
        },
        (error: unknown) => {
          if (gone) finish('gone');
          else if (!error || signal.aborted || (error as Error).name === 'TimeoutError') finish('closed');
          else finish(error instanceof Error ? error : new Error(String(error)));
        },
      )
      .then(
        (c) => {
          controller = c;
          if (signal.aborted) c.abort();
        },
        (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
      );
  });
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
