/**
 * Who may do what: access reviews (the API server's own RBAC answer for one verb on one
 * resource) and bound ServiceAccount tokens (TokenRequest), for `berth ci credentials`.
 */
import type { Cluster } from './connect.ts';
import { httpStatus, isNotFound, kubeError } from './errors.ts';

export interface AccessQuestion {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

export interface AccessAnswer {
  allowed: boolean;
  /** The authorizer's reason, when it gave one. */
  reason?: string;
}

interface ReviewStatus {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

function attributes(q: AccessQuestion) {
  return { verb: q.verb, group: q.group, resource: q.resource, subresource: q.subresource, name: q.name, namespace: q.namespace };
}

/** May the kubeconfig's own user do this? (SelfSubjectAccessReview: every authenticated user may ask.) */
export async function canI(cluster: Cluster, question: AccessQuestion): Promise<AccessAnswer> {
  try {
    const review = await cluster.objects.sendRaw<ReviewStatus>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: attributes(question) },
    });
    return { allowed: review.status?.allowed === true, reason: review.status?.reason || undefined };
  } catch (error) {
    throw kubeError(error, 'ask the API server what these credentials may do (SelfSubjectAccessReview)');
  }
}

/** May this user do this? (SubjectAccessReview: needs a cluster admin.) Undefined when we may not ask. */
export async function canUser(cluster: Cluster, user: string, groups: string[], question: AccessQuestion): Promise<AccessAnswer | undefined> {
  try {
    const review = await cluster.objects.sendRaw<ReviewStatus>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, groups, resourceAttributes: attributes(question) },
    });
    return { allowed: review.status?.allowed === true, reason: review.status?.reason || undefined };
  } catch (error) {
    if (httpStatus(error) === 403) return undefined;
    throw kubeError(error, `ask the API server what ${user} may do (SubjectAccessReview)`);
  }
}

export interface BoundToken {
  token: string;
  expiresAt: string;
}

/** The API server refuses bound tokens shorter than this (TokenRequest validation). */
export const MIN_TOKEN_SECONDS = 600;

/**
 * A token for the ServiceAccount from the TokenRequest API: signed by the API server, bound to
 * the account's uid (deleting the account invalidates it) and expiring. The server may shorten
 * the lifetime (--service-account-max-token-expiration): the answer's expiry is the real one.
 */
export async function requestToken(cluster: Cluster, namespace: string, account: string, seconds: number): Promise<BoundToken> {
  try {
    const answer = await cluster.objects.sendRaw<{ status?: { token?: string; expirationTimestamp?: string } }>(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds } },
    );
    const token = answer.status?.token;
    if (!token) throw new Error('the API server returned no token');
    return { token, expiresAt: answer.status?.expirationTimestamp ?? new Date(Date.now() + seconds * 1000).toISOString() };
  } catch (error) {
    throw kubeError(error, `request a token for ServiceAccount ${namespace}/${account}`);
  }
}

/** True when the object exists (a read through its URL). */
export async function exists(cluster: Cluster, path: string): Promise<boolean> {
  try {
    await cluster.objects.getRaw(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw kubeError(error, `read ${path}`);
  }
}
