/**
 * Server-side apply of any kind, sending the object exactly as given. client-node's
 * KubernetesObjectApi.patch first runs the object through its typed serializer, which silently
 * drops fields its model does not know (a misspelt `targetPrt` never reaches the server, so
 * fieldValidation=Strict cannot reject it). This subclass reuses its resource discovery (for
 * the URL: plural, namespaced, cached) and request pipeline (auth, TLS), but not the serializer.
 */
import { HttpMethod, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';

export interface RawApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
}

export class ObjectApi extends KubernetesObjectApi {
  async applyRaw(object: KubernetesObject, options: RawApplyOptions): Promise<KubernetesObject> {
    const path = await this.specUriPath(object, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
    request.setQueryParam('fieldManager', options.fieldManager);
    request.setQueryParam('fieldValidation', 'Strict');
    if (options.force) request.setQueryParam('force', 'true');
    if (options.dryRun) request.setQueryParam('dryRun', 'All');
    // JSON is YAML: the apply-patch content type accepts it as is.
    request.setBody(JSON.stringify(object));
    return this.requestPromise(request);
  }
}
