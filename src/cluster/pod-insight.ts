/** What a failed pod says about itself: its Warning events and its last log lines. */
import type { Cluster } from './connect.ts';
import { isNotFound, kubeError } from './errors.ts';
import type { KubeEvent } from '../model/workloads.ts';

/** Events about one object, newest first. */
export async function eventsFor(cluster: Cluster, namespace: string, name: string, kind = 'Pod'): Promise<KubeEvent[]> {
  try {
    const list = await cluster.objects.listRaw<KubeEvent>('v1', 'Event', {
      namespace,
      fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind}`,
    });
    return list.items.sort((a, b) => eventTime(b) - eventTime(a));
  } catch (error) {
    throw kubeError(error, `list events of ${kind} ${namespace}/${name}`);
  }
}

export function eventTime(event: KubeEvent): number {
  return Date.parse(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp ?? '') || 0;
}

export interface LogTail {
  container: string;
  previous: boolean;
  lines: string[];
}

/** The last lines of a container's log; of its previous instance when it restarted. Undefined when there is none. */
export async function tailLog(
  cluster: Cluster,
  namespace: string,
  pod: string,
  container: string,
  options: { lines: number; previous: boolean },
): Promise<LogTail | undefined> {
  const path = `/api/v1/namespaces/${namespace}/pods/${pod}/log`;
  const query: Record<string, string> = { container, tailLines: String(options.lines) };
  if (options.previous) query.previous = 'true';
  try {
    const text = await cluster.objects.getText(path, query);
    return { container, previous: options.previous, lines: text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1) };
  } catch (error) {
    // No previous instance, or the container never started: nothing to show, not a failure.
    if (isNotFound(error) || (error as { code?: number }).code === 400) return undefined;
    throw kubeError(error, `read the logs of ${namespace}/${pod} (${container})`);
  }
}
