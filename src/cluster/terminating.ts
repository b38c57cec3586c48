/**
 * Objects being deleted (a Namespace or PersistentVolume still held by its finalizer): an apply
 * would only update them in their last seconds, and the object would vanish after the deploy. A
 * deploy waits for them to be gone first, then creates them afresh.
 */
import { BerthError, ExitCode } from '../errors.ts';
import type { Cluster } from './connect.ts';
import { isNotFound, kubeError } from './errors.ts';
import type { RawObject } from './watch.ts';

export function terminating(live: Iterable<RawObject>): RawObject[] {
  return [...live].filter((object) => typeof object.metadata.deletionTimestamp === 'string');
}

export async function waitUntilGone(
  cluster: Cluster,
  objects: readonly RawObject[],
  options: { timeoutMs: number; signal?: AbortSignal; pollMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let left = [...objects];
  while (left.length > 0) {
    options.signal?.throwIfAborted();
    const present = await Promise.all(
      left.map(async (object) => {
        try {
          await cluster.objects.getRaw(await cluster.objects.objectPath(object));
          return object;
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw kubeError(error, `read ${describe(object)}`);
        }
      }),
    );
    left = present.filter((o): o is RawObject => o !== undefined);
    if (left.length === 0) return;
    if (Date.now() >= deadline) {
      throw new BerthError(`Still being deleted after ${Math.round(options.timeoutMs / 1000)} s: ${left.map(describe).join(', ')}`, {
        exitCode: ExitCode.conflict,
        hint: `Something holds them (a finalizer, pods still stopping): see kubectl get ${left.map((o) => (o.kind ?? '').toLowerCase()).join(',')}, then deploy again once they are gone.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

export function describe(object: RawObject): string {
  return `${object.kind ?? 'object'} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}
