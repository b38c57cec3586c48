/**
 * Generic access to any kind, sending and receiving objects exactly as JSON. client-node's
 * KubernetesObjectApi runs objects through its typed serializer, which silently drops fields its
 * model does not know (a misspelt `targetPrt` never reaches the server, so fieldValidation=Strict
 * cannot reject it) and turns timestamps into Dates on the way back, unlike watch events. This
 * subclass reuses its resource discovery (plural, namespaced, cached) and request pipeline (auth,
 * TLS), but not the serializer: what berth applies, lists, reads and watches is plain JSON.
 */
import {
  ApiException,
  type Configuration,
  HttpMethod,
  KubernetesObjectApi,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
  type V1APIResource,
} from '@kubernetes/client-node';

export interface RawApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
}

/** A list answer: its items and the resourceVersion to watch from. */
export interface RawList<T> {
  items: T[];
  resourceVersion: string;
}

const RAW = '__berth_raw__';
/** How long a request keeps trying through an outage before its error is reported. */
const RETRY_BUDGET_MS = 30_000;

function retryable(error: unknown, method: string): boolean {
  const failure = error as { code?: number | string; cause?: { code?: string } };
  if (typeof failure.code === 'number') return failure.code === 429 || failure.code === 503;
  const code = failure.cause?.code ?? (typeof failure.code === 'string' ? failure.code : undefined);
  if (code === 'ECONNREFUSED') return true;
  return method !== HttpMethod.POST && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE');
}
const TEXT = '__berth_text__';

/**
 * Built-in kinds berth reads and writes, whose REST names Kubernetes fixes: client-node would ask
 * the API server for each group's resource list first (one more round trip before a deploy's
 * first read, ten requests). Custom resources are still looked up: whether their CRD is installed
 * is the answer.
 */
const BUILT_IN: Record<string, Record<string, [plural: string, namespaced: boolean]>> = {
  v1: {
    ConfigMap: ['configmaps', true],
    Event: ['events', true],
    Namespace: ['namespaces', false],
    PersistentVolume: ['persistentvolumes', false],
    PersistentVolumeClaim: ['persistentvolumeclaims', true],
    Pod: ['pods', true],
    Secret: ['secrets', true],
    Service: ['services', true],
    ServiceAccount: ['serviceaccounts', true],
  },
  'apps/v1': { Deployment: ['deployments', true], ReplicaSet: ['replicasets', true] },
  'autoscaling/v2': { HorizontalPodAutoscaler: ['horizontalpodautoscalers', true] },
  'batch/v1': { CronJob: ['cronjobs', true], Job: ['jobs', true] },
  'coordination.k8s.io/v1': { Lease: ['leases', true] },
  'networking.k8s.io/v1': { Ingress: ['ingresses', true], NetworkPolicy: ['networkpolicies', true] },
  'policy/v1': { PodDisruptionBudget: ['poddisruptionbudgets', true] },
};

export class ObjectApi extends KubernetesObjectApi {
  /** The API server answered once: later connection failures are an outage, not a wrong address. */
  private reached = false;

  protected override async resource(apiVersion: string, kind: string, options?: Configuration): Promise<V1APIResource | undefined> {
    const known = BUILT_IN[apiVersion]?.[kind];
    if (known) return { kind, name: known[0], namespaced: known[1], singularName: kind.toLowerCase(), verbs: [] };
    return super.resource(apiVersion, kind, options);
  }

  async applyRaw(object: KubernetesObject, options: RawApplyOptions): Promise<KubernetesObject> {
    const path = await this.specUriPath(object, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
    request.setQueryParam('fieldManager', options.fieldManager);
    request.setQueryParam('fieldValidation', 'Strict');
    if (options.force) request.setQueryParam('force', 'true');
    if (options.dryRun) request.setQueryParam('dryRun', 'All');
    // JSON is YAML: the apply-patch content type accepts it as is.
    request.setBody(JSON.stringify(object));
    return this.send(request);
  }

  /** The collection URL of a kind (`/apis/apps/v1/namespaces/shop/deployments`), for lists and watches. */
  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    return this.specUriPath({ apiVersion, kind, metadata: { namespace } }, 'list');
  }

  /** The object's own URL (`…/deployments/web`). */
  async objectPath(object: KubernetesObject): Promise<string> {
    return this.specUriPath(object, 'read');
  }

  async listRaw<T>(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<RawList<T>> {
    const path = await this.collectionPath(apiVersion, kind, options.namespace);
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    if (options.labelSelector) request.setQueryParam('labelSelector', options.labelSelector);
    if (options.fieldSelector) request.setQueryParam('fieldSelector', options.fieldSelector);
    const list = (await this.send(request)) as unknown as { items?: T[]; metadata?: { resourceVersion?: string } };
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /** `accept` asks for another representation, such as metadata only (PartialObjectMetadataList). */
  async getRaw<T>(path: string, query: Record<string, string> = {}, accept = 'application/json'): Promise<T> {
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    for (const [key, value] of Object.entries(query)) request.setQueryParam(key, value);
    return (await this.send(request, accept)) as unknown as T;
  }

  /** A text answer, such as a pod's log. */
  async getText(path: string, query: Record<string, string> = {}): Promise<string> {
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    for (const [key, value] of Object.entries(query)) request.setQueryParam(key, value);
    request.setHeaderParam('Accept', '*/*');
    return (await this.requestPromise(request, TEXT)) as unknown as string;
  }

  async sendRaw<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, contentType = 'application/json'): Promise<T> {
    const request = this.configuration.baseServer.makeRequestContext(path, method as HttpMethod);
    if (body !== undefined) {
      request.setHeaderParam('Content-Type', contentType);
      request.setBody(JSON.stringify(body));
    }
    return (await this.send(request)) as unknown as T;
  }

  /**
   * Sends with retries across a short API outage (an API server restart, a dropped connection,
   * 429 and 503): a refused connection never reached the server, so any request is retried; a
   * connection lost mid-request is retried only when repeating it is harmless (not a create).
   * Only once this process has reached the API server: a wrong kubeconfig fails at once.
   */
  private async send(request: RequestContext, accept = 'application/json'): Promise<KubernetesObject> {
    request.setHeaderParam('Accept', accept);
    const deadline = Date.now() + RETRY_BUDGET_MS;
    for (let delay = 200; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        const answer = await this.requestPromise(request, RAW);
        this.reached = true;
        return answer;
      } catch (error) {
        if (!this.reached || !retryable(error, request.getHttpMethod()) || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext, type?: string): Promise<T> {
    if (type !== RAW && type !== TEXT) return super.processResponse(response, type);
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return (type === TEXT ? text : text ? JSON.parse(text) : {}) as T;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): keep the text for the message.
    }
    throw new ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', body, response.headers);
  }
}
