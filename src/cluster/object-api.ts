/**
 * Generic access to any kind, sending and receiving objects exactly as JSON: what berth applies
 * reaches the server as written (fieldValidation=Strict rejects a misspelt `targetPrt`; a typed
 * serializer would silently drop it), and what it reads comes back as the server sent it, as in
 * watch events. A kind's URL comes from a table for the built-in kinds berth uses and from the
 * API server's discovery for custom resources (whether their CRD is installed is the answer).
 */
import type { Cluster } from './connect.ts';
import { HttpFailure, type HttpRequest, sendText, TransportFailure } from './http.ts';

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

/** What an object is and where it lives: enough to find its URL. */
export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/** How long a request keeps trying through an outage before its error is reported. */
const RETRY_BUDGET_MS = 30_000;

/**
 * Built-in kinds berth reads and writes, whose REST names Kubernetes fixes: discovery would cost
 * one more round trip per API group before a deploy's first read.
 */
const BUILT_IN: Record<string, Record<string, [plural: string, namespaced: boolean]>> = {
  v1: {
    ConfigMap: ['configmaps', true],
    Event: ['events', true],
    Namespace: ['namespaces', false],
    PersistentVolume: ['persistentvolumes', false],
    PersistentVolumeClaim: ['persistentvolumeclaims', true],
    Pod: ['pods', true],
    ResourceQuota: ['resourcequotas', true],
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
  'rbac.authorization.k8s.io/v1': {
    ClusterRole: ['clusterroles', false],
    ClusterRoleBinding: ['clusterrolebindings', false],
    Role: ['roles', true],
    RoleBinding: ['rolebindings', true],
  },
  'storage.k8s.io/v1': { StorageClass: ['storageclasses', false] },
};

interface Resource {
  plural: string;
  namespaced: boolean;
}

function retryable(error: unknown, method: string): boolean {
  if (error instanceof HttpFailure) return error.code === 429 || error.code === 503;
  if (!(error instanceof TransportFailure) || error.code === 'EPROXY') return false;
  // A refused connection never reached the server; a lost one may have: repeat all but a create.
  return !error.sent || method !== 'POST';
}

export class ObjectApi {
  /** The API server answered once: later connection failures are an outage, not a wrong address. */
  private reached = false;
  private readonly discovered = new Map<string, Promise<Map<string, Resource>>>();

  private readonly cluster: Cluster;
  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  async applyRaw<T = unknown>(object: ObjectRef, options: RawApplyOptions): Promise<T> {
    const query: Record<string, string> = { fieldManager: options.fieldManager, fieldValidation: 'Strict' };
    if (options.force) query.force = 'true';
    if (options.dryRun) query.dryRun = 'All';
    // JSON is YAML: the apply-patch content type accepts it as is.
    return this.json<T>({
      method: 'PATCH',
      path: await this.objectPath(object),
      query,
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
    });
  }

  /**
   * The collection URL of a kind (`/apis/apps/v1/namespaces/shop/deployments`), for lists and
   * watches. `plural`: a namespaced custom resource's REST name the caller knows (its CRD is named
   * `<plural>.<group>`), which spares the discovery round trip; without the CRD the server answers 404.
   */
  async collectionPath(apiVersion: string, kind: string, namespace?: string, plural?: string): Promise<string> {
    const resource = plural ? { plural, namespaced: true } : await this.resource(apiVersion, kind);
    const group = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return resource.namespaced && namespace ? `${group}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}` : `${group}/${resource.plural}`;
  }

  /** The object's own URL (`…/deployments/web`). */
  async objectPath(object: ObjectRef): Promise<string> {
    const { apiVersion, kind, metadata } = object;
    if (!apiVersion || !kind || !metadata?.name)
      throw new Error(`An object needs apiVersion, kind and metadata.name (got ${JSON.stringify({ apiVersion, kind, metadata })})`);
    const resource = await this.resource(apiVersion, kind);
    const namespace = resource.namespaced ? (metadata.namespace ?? 'default') : undefined;
    return `${await this.collectionPath(apiVersion, kind, namespace)}/${encodeURIComponent(metadata.name)}`;
  }

  async listRaw<T>(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string; resourceVersion?: string; plural?: string } = {},
  ): Promise<RawList<T>> {
    const query: Record<string, string> = {};
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
    if (options.resourceVersion) query.resourceVersion = options.resourceVersion;
    const list = await this.json<{ items?: T[]; metadata?: { resourceVersion?: string } }>({
      path: await this.collectionPath(apiVersion, kind, options.namespace, options.plural),
      query,
    });
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /** `accept` asks for another representation, such as metadata only (PartialObjectMetadataList). */
  getRaw<T>(path: string, query: Record<string, string> = {}, accept = 'application/json'): Promise<T> {
    return this.json<T>({ path, query, accept });
  }

  /** A text answer, such as a pod's log. */
  getText(path: string, query: Record<string, string> = {}): Promise<string> {
    return this.send({ path, query, accept: '*/*' });
  }

  sendRaw<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, contentType = 'application/json'): Promise<T> {
    return this.json<T>({ method, path, body: body === undefined ? undefined : JSON.stringify(body), contentType });
  }

  /** Deletes the object, with the server's default propagation for its kind. */
  async delete(object: ObjectRef): Promise<void> {
    await this.send({ method: 'DELETE', path: await this.objectPath(object) });
  }

  private async json<T>(request: HttpRequest): Promise<T> {
    const text = await this.send(request);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * Sends with retries across a short API outage (an API server restart, a dropped connection,
   * 429 and 503): a refused connection never reached the server, so any request is retried; a
   * connection lost mid-request is retried only when repeating it is harmless (not a create).
   * Only once this process has reached the API server: a wrong kubeconfig fails at once.
   */
  private async send(request: HttpRequest): Promise<string> {
    const deadline = Date.now() + RETRY_BUDGET_MS;
    for (let delay = 200; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        const answer = await sendText(this.cluster, request);
        this.reached = true;
        return answer;
      } catch (error) {
        if (error instanceof HttpFailure) this.reached = true;
        if (!this.reached || !retryable(error, request.method ?? 'GET') || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** A kind's plural and scope: from the table, else from the API server's discovery (cached per group version). */
  private async resource(apiVersion: string, kind: string): Promise<Resource> {
    const known = BUILT_IN[apiVersion]?.[kind];
    if (known) return { plural: known[0], namespaced: known[1] };
    let served = this.discovered.get(apiVersion);
    if (!served) {
      served = this.json<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>({
        path: apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`,
      }).then(
        (list) => new Map((list.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }])),
        (error: unknown) => {
          // A group the server does not serve at all: no kind of it exists.
          if (error instanceof HttpFailure && error.code === 404) return new Map<string, Resource>();
          throw error;
        },
      );
      served.catch(() => this.discovered.delete(apiVersion));
      this.discovered.set(apiVersion, served);
    }
    const found = (await served).get(kind);
    // Asked again next time: the CRD may be installed meanwhile (a long-running `berth web`).
    if (!found) this.discovered.delete(apiVersion);
    // Worded as client-node words it: kubeError recognizes it and names the operator to install.
    if (!found) throw new Error(`Unrecognized API version and kind: ${apiVersion} ${kind}`);
    return found;
  }
}
