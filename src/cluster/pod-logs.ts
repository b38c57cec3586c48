/**
 * One container's log as a stream of whole lines, from the API server's pod log endpoint, with the
 * kubeconfig's credentials (client-node applies them; node:http carries the stream so that a
 * dropped connection is told apart from a log that ended). `berth logs` builds on this.
 */
import type { Cluster } from './connect.ts';
import { kubeError } from './errors.ts';
import { streamGet } from './http.ts';

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  follow?: boolean;
  previous?: boolean;
  /** RFC 3339; wins over sinceSeconds. */
  sinceTime?: string;
  sinceSeconds?: number;
  tailLines?: number;
  /** Each line starts with the kubelet's RFC 3339 timestamp and a space. */
  timestamps?: boolean;
}

/** How a stream stopped: the log ended (the container stopped, or it was not followed), the connection dropped, or we stopped it. */
export type LogEnd = 'ended' | 'dropped' | 'aborted';

export function logQuery(request: LogRequest): URLSearchParams {
  const query = new URLSearchParams({ container: request.container });
  if (request.follow) query.set('follow', 'true');
  if (request.previous) query.set('previous', 'true');
  if (request.timestamps) query.set('timestamps', 'true');
  if (request.sinceTime) query.set('sinceTime', request.sinceTime);
  else if (request.sinceSeconds !== undefined) query.set('sinceSeconds', String(Math.max(1, Math.ceil(request.sinceSeconds))));
  if (request.tailLines !== undefined && request.tailLines >= 0) query.set('tailLines', String(request.tailLines));
  return query;
}

/**
 * Calls `onLine` with each whole line (without its newline) until the log ends, the connection
 * drops or the signal aborts. Rejects with a BerthError when the server refuses the request
 * (404: the pod is gone; 400: the container has not started).
 */
export async function streamLog(cluster: Cluster, request: LogRequest, signal: AbortSignal, onLine: (line: string) => void): Promise<LogEnd> {
  const path = `/api/v1/namespaces/${encodeURIComponent(request.namespace)}/pods/${encodeURIComponent(request.pod)}/log`;
  let partial = '';
  let end: LogEnd;
  try {
    end = await streamGet(cluster, { path, query: logQuery(request), accept: '*/*' }, signal, (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
  } catch (error) {
    throw kubeError(error, `read the log of ${request.namespace}/${request.pod} (${request.container})`);
  }
  // A last line without a newline is whole only when the log ended there.
  if (partial && end === 'ended') onLine(partial);
  return end;
}
