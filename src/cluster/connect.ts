/**
 * The one module that talks to the Kubernetes API. Everything under src/cluster/ takes a
 * `Cluster` from here; nothing else imports @kubernetes/client-node at run time (it takes about
 * half a second to import, so commands load this module lazily, only when they need the API).
 */
import { AppsV1Api, CoreV1Api, KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { delimiter } from 'node:path';
import { BerthError, ExitCode } from '../errors.ts';
import { noteCredential } from './credential-note.ts';
import { ObjectApi } from './object-api.ts';

export interface Cluster {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  /** Generic apply/read/delete of any kind, CRDs included. */
  objects: ObjectApi;
  context: string;
  server: string;
}

export interface ConnectClusterOptions {
  /** A kubeconfig context; default: the kubeconfig's current context. */
  context?: string;
  /** KUBECONFIG as given (one path, or several joined by `:`); default: the process's $KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
}

/**
 * client-node gives every request a connection pool of its own (a new undici Agent each time), so
 * each request opens a TCP connection and does a TLS handshake with the client certificate: ~9 ms
 * of CPU here against ~1.5 ms on a kept-alive connection, and as much again in the API server. A
 * deploy sends dozens of requests; they share one pool per context and user instead.
 */
class PooledKubeConfig extends KubeConfig {
  private readonly pools = new Map<string, ReturnType<RequestContext['getDispatcher']>>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = JSON.stringify([this.getCurrentContext(), this.getCurrentCluster()?.name, this.getCurrentUser()?.name]);
    const pool = this.pools.get(key);
    if (pool) context.setDispatcher(pool);
    else this.pools.set(key, fresh);
  }
}

export function connectCluster(options: ConnectClusterOptions = {}): Cluster {
  const kubeConfig = new PooledKubeConfig();
  try {
    const files = (options.kubeconfig ?? '').split(delimiter).filter(Boolean);
    if (files.length === 0) kubeConfig.loadFromDefault();
    for (const [index, file] of files.entries()) {
      if (index === 0) {
        kubeConfig.loadFromFile(file);
      } else {
        // Merged as client-node's loadFromDefault merges $KUBECONFIG (a duplicate name is an error).
        const more = new KubeConfig();
        more.loadFromFile(file);
        kubeConfig.mergeConfig(more, true);
      }
    }
  } catch (error) {
    throw new BerthError(`Could not read the kubeconfig: ${(error as Error).message}`, {
      exitCode: ExitCode.unreachable,
      hint: 'Set KUBECONFIG to a readable kubeconfig file.',
      cause: error,
    });
  }
  if (options.context) {
    if (!kubeConfig.getContextObject(options.context)) {
      throw new BerthError(`Kube context "${options.context}" is not in the kubeconfig`, {
        exitCode: ExitCode.unreachable,
        hint: `Contexts available: ${
          kubeConfig
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }. Fix cluster.context in the config or KUBECONFIG.`,
      });
    }
    kubeConfig.setCurrentContext(options.context);
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) {
    throw new BerthError('No Kubernetes cluster configured', {
      exitCode: ExitCode.unreachable,
      hint: 'Set KUBECONFIG, or cluster.context in the berth config.',
    });
  }
  noteCredential(kubeConfig.getCurrentUser()?.token);
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    objects: kubeConfig.makeApiClient(ObjectApi),
    context: kubeConfig.getCurrentContext(),
    server,
  };
}
