/**
 * The one way to the Kubernetes API. Everything under src/cluster/ takes a `Cluster` from here;
 * its requests go through http.ts (one HTTP/2 connection per process) and object-api.ts.
 */
import { BerthError, ExitCode } from '../errors.ts';
import { noteCredential } from './credential-note.ts';
import { type KubeTarget, KubeconfigProblem, readKubeconfig, UnknownContext } from './kubeconfig.ts';
import { ObjectApi } from './object-api.ts';

export interface Cluster {
  /** Generic apply/read/delete of any kind, CRDs included. */
  objects: ObjectApi;
  context: string;
  server: string;
  /** The kubeconfig's cluster, user and context in use. */
  target: KubeTarget;
}

export interface ConnectClusterOptions {
  /** A kubeconfig context; default: the kubeconfig's current context. */
  context?: string;
  /** KUBECONFIG as given (one path, or several joined by `:`); default: the process's $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
}

/** Reads the kubeconfig; nothing is sent until the first request. */
export function connectCluster(options: ConnectClusterOptions = {}): Cluster {
  let target: KubeTarget;
  try {
    target = readKubeconfig({ kubeconfig: options.kubeconfig || undefined, context: options.context });
  } catch (error) {
    if (error instanceof UnknownContext) {
      throw new BerthError(`Kube context "${error.context}" is not in the kubeconfig`, {
        exitCode: ExitCode.unreachable,
        hint: `Contexts available: ${error.known.join(', ') || 'none'}. Fix cluster.context in the config or KUBECONFIG.`,
      });
    }
    if (!(error instanceof KubeconfigProblem)) throw error;
    throw new BerthError(`Could not read the kubeconfig: ${error.message}`, {
      exitCode: ExitCode.unreachable,
      hint: 'Set KUBECONFIG to a readable kubeconfig file, or cluster.context in the berth config.',
      cause: error,
    });
  }
  const proxy = target.cluster.proxyUrl;
  if (proxy && !proxy.startsWith('http://')) {
    throw new BerthError(`The kubeconfig's proxy-url ${proxy.split('//')[0]}// is not supported: berth tunnels through http:// proxies only`, {
      exitCode: ExitCode.unreachable,
      hint: `Cluster "${target.cluster.name}" sets proxy-url ${proxy}. Use an http:// proxy, or reach the API server without one (an SSH tunnel: ssh -L 6443:API-HOST:6443 …, then server: https://127.0.0.1:6443).`,
    });
  }
  noteCredential(target.user.token);
  const cluster = { context: target.context, server: target.cluster.server, target } as Cluster;
  cluster.objects = new ObjectApi(cluster);
  return cluster;
}
