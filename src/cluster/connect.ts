/**
 * The one module that talks to the Kubernetes API. Everything under src/cluster/ takes a
 * `Cluster` from here; nothing else imports @kubernetes/client-node at run time (it takes about
 * half a second to import, so commands load this module lazily, only when they need the API).
 */
import {
  AppsV1Api,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
  type RequestContext,
} from '@kubernetes/client-node';
import { BerthError, ExitCode } from '../errors.ts';

export interface Cluster {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  /** Generic apply/read/delete of any kind, CRDs included; applies use fieldValidation=Strict. */
  objects: KubernetesObjectApi;
  context: string;
  server: string;
}

export interface ConnectClusterOptions {
  /** A kubeconfig context; default: the kubeconfig's current context. */
  context?: string;
  /** A kubeconfig file; default: $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
}

export function connectCluster(options: ConnectClusterOptions = {}): Cluster {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
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
        hint: `Contexts available: ${kubeConfig.getContexts().map((c) => c.name).join(', ') || 'none'}. Fix cluster.context in the config or KUBECONFIG.`,
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
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    objects: strictObjectApi(kubeConfig, server),
    context: kubeConfig.getCurrentContext(),
    server,
  };
}

/**
 * KubernetesObjectApi.patch has no fieldValidation parameter; a middleware adds it to apply
 * requests so a misspelt field fails loudly instead of being dropped by the server.
 */
function strictObjectApi(kubeConfig: KubeConfig, server: string): KubernetesObjectApi {
  const strict = {
    pre: async (request: RequestContext) => {
      if (request.getHeaders()['Content-Type'] === 'application/apply-patch+yaml') request.setQueryParam('fieldValidation', 'Strict');
      return request;
    },
    post: async <T>(response: T) => response,
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [strict],
  });
  return new KubernetesObjectApi(configuration);
}
