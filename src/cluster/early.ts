/**
 * Read-only requests a command starts from its config's first read, before the config is
 * validated, so the API server answers while zod loads and checks it (a tenth of a second or more
 * on a small machine). The command uses the answers only when the validated config names the same
 * environment, namespace and kube context (takeEarly); otherwise it closes their connection.
 */
import { type PeekedTarget, sameTarget } from '../config/peek.ts';
import { type Cluster, connectCluster } from './connect.ts';
import { closeTransport, connectEarly } from './http.ts';

export interface Early<T> extends PeekedTarget {
  cluster: Cluster;
  reads: Promise<T>;
}

/** Starts `read` and waits for the connection's handshake; none when the kubeconfig does not load (the command's own connection reports it, after the config's own errors). */
export async function startEarly<T>(
  target: PeekedTarget,
  kubeconfig: string | undefined,
  read: (cluster: Cluster) => Promise<T>,
): Promise<Early<T> | undefined> {
  let cluster: Cluster;
  try {
    cluster = connectCluster({ context: target.context, kubeconfig });
  } catch {
    return undefined;
  }
  const reads = read(cluster);
  reads.catch(() => undefined);
  await connectEarly(cluster);
  return { ...target, cluster, reads };
}

/** The early reads when they are for what the validated config names and `usable`; otherwise their connection is closed. */
export async function takeEarly<T>(early: Early<T> | undefined, target: PeekedTarget, usable = true): Promise<Early<T> | undefined> {
  if (!early) return undefined;
  if (usable && sameTarget(early, target.environment, target.namespace, target.context)) return early;
  await closeTransport(early.cluster);
  return undefined;
}
