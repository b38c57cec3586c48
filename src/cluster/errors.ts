/**
 * Kubernetes API failures → BerthErrors with a next step. client-node 2.x throws ApiException
 * (an HTTP status and the Status body) for answers and plain errors with a socket code when
 * the API server cannot be reached.
 */
import { BerthError, ExitCode } from '../errors.ts';
import { explainUnauthorized } from './credential-note.ts';

interface ApiFailure {
  code?: number | string;
  body?: unknown;
  message?: string;
  cause?: { code?: string };
}

/** The HTTP status of an API answer, or undefined for a transport failure. */
export function httpStatus(error: unknown): number | undefined {
  const code = (error as ApiFailure | undefined)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return httpStatus(error) === 404;
}

/** The Status message the API server sent (e.g. `secrets "x" is forbidden: …`). */
function statusMessage(error: ApiFailure): string | undefined {
  let body = error.body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      return text.trim() || undefined;
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** Who provides the custom resources berth renders. */
const OPERATORS: Record<string, { name: string; instead: string }> = {
  'cert-manager.io': { name: 'cert-manager', instead: 'set cluster.certIssuer: false so berth renders no Certificates' },
  'traefik.io': { name: "Traefik's CRDs (K3s bundles them)", instead: 'with ingress-nginx, set cluster.ingressClass: nginx' },
  'traefik.containo.us': { name: "Traefik's CRDs", instead: 'with ingress-nginx, set cluster.ingressClass: nginx' },
  'postgresql.cnpg.io': { name: 'the CloudNativePG operator', instead: 'use database.mode: external' },
};

/** `doing` completes "Could not …": `read Secret shop/api-db`. */
export function kubeError(error: unknown, doing: string): BerthError {
  if (error instanceof BerthError) return error;
  const failure = (error ?? {}) as ApiFailure;
  const status = httpStatus(error);
  const said = statusMessage(failure);
  const unknownKind = /Unrecognized API version and kind: (\S+) (\S+)/.exec(failure.message ?? '');
  if (status === undefined && unknownKind) {
    const [, apiVersion, kind] = unknownKind;
    const operator = OPERATORS[apiVersion!.split('/')[0]!];
    return new BerthError(`Could not ${doing}: the cluster does not know ${kind} (${apiVersion})`, {
      exitCode: ExitCode.failure,
      hint: operator
        ? `Install ${operator.name} in the cluster (its CRDs define ${kind}), or ${operator.instead}.`
        : `Install the CRD that defines ${kind}, or change the config so berth does not render it.`,
      cause: error,
    });
  }
  switch (status) {
    case undefined: {
      const socket = typeof failure.code === 'string' ? failure.code : failure.cause?.code;
      return new BerthError(`Could not ${doing}: the Kubernetes API is unreachable (${socket ?? failure.message ?? String(error)})`, {
        exitCode: ExitCode.unreachable,
        hint: 'Check KUBECONFIG and the context (cluster.context in the config, or `kubectl config current-context`), and that the API server is up.',
        cause: error,
      });
    }
    case 401: {
      const note = explainUnauthorized();
      if (note) return new BerthError(`Could not ${doing}: ${note.message} (401)`, { exitCode: ExitCode.unreachable, hint: note.hint, cause: error });
      return new BerthError(`Could not ${doing}: the cluster refused our credentials (401)`, {
        exitCode: ExitCode.unreachable,
        hint: 'The kubeconfig token or certificate is expired or wrong; fetch a fresh kubeconfig.',
        cause: error,
      });
    }
    case 403:
      return new BerthError(`Could not ${doing}: forbidden${said ? ` (${said})` : ''}`, {
        hint: forbiddenHint(said),
        cause: error,
      });
    case 404:
      return new BerthError(`Could not ${doing}: not found${said ? ` (${said})` : ''}`, {
        hint: 'The namespace or object does not exist yet; a CRD may be missing if it is a custom resource (is the operator installed?).',
        cause: error,
      });
    case 409:
      return new BerthError(`Could not ${doing}: conflict${said ? ` (${said})` : ''}`, {
        exitCode: ExitCode.conflict,
        hint: 'Someone else changed the object or owns these fields; look at it with kubectl and try again.',
        cause: error,
      });
    case 422:
      return new BerthError(`Could not ${doing}: the API server rejected the object${said ? ` (${said})` : ''}`, { cause: error });
    default:
      return new BerthError(`Could not ${doing}: HTTP ${status}${said ? ` (${said})` : ''}`, { cause: error });
  }
}

/**
 * The RBAC refusal says who, which verb, which resource and where: `User "system:serviceaccount:
 * shop:berth-deployer" cannot patch resource "deployments" in API group "apps" in the namespace
 * "other"`. For berth's CI credentials, say what they are for.
 */
export function forbiddenHint(said: string | undefined): string {
  const generic = 'The kubeconfig user lacks RBAC permission for this; ask a cluster admin, or use a context with more rights.';
  const refusal =
    /User "system:serviceaccount:([^:"]+):berth-deployer" cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)"| at the cluster scope)?/.exec(
      said ?? '',
    );
  if (!refusal) return generic;
  const [, home, verb, resource, group, namespace] = refusal;
  const what = `${verb} ${resource}${group ? `.${group}` : ''}`;
  // A Namespace object is cluster-scoped, though the refusal names it as "the namespace".
  if (!namespace || resource === 'namespaces') {
    return `These are berth's CI credentials for namespace ${home}: they may not ${what} at the cluster scope. Cluster-wide changes (namespaces, volumes, add-ons) need an admin kubeconfig.`;
  }
  if (namespace !== home) {
    return `These are berth's CI credentials for namespace ${home}: they may not ${what} in ${namespace}. Use the kubeconfig made for that environment (\`berth ci credentials --env ENV\`).`;
  }
  return `berth's CI credentials for ${home} do not allow ${what}; they cover deploy, rollback, status and logs only. Run this with an admin kubeconfig, or re-run \`berth ci credentials\` if berth has grown a need its Role lacks.`;
}
