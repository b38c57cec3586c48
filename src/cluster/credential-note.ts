/**
 * Why the API server refused our credentials (401), in words. The server never says why: it
 * answers "Unauthorized" for an expired token, a revoked one and a stranger alike. A bearer token
 * in the kubeconfig that is a JWT (ServiceAccount tokens, `berth ci credentials`) carries its
 * subject and expiry, readable without verifying it, which is enough to tell "expired at …" from
 * "refused while still valid: its ServiceAccount is gone".
 */

interface TokenClaims {
  sub?: string;
  exp?: number;
}

/** The current kubeconfig user's token claims, set once per process by connectCluster. */
let current: TokenClaims | undefined;

export function noteCredential(token: string | undefined): void {
  current = token ? claimsOf(token) : undefined;
}

export function claimsOf(token: string): TokenClaims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    return typeof claims === 'object' && claims !== null ? claims : undefined;
  } catch {
    return undefined;
  }
}

export interface RefusalNote {
  message: string;
  hint: string;
}

/** Undefined when the credentials are not a token we can read (certificates, exec plugins). */
export function explainUnauthorized(now = Date.now()): RefusalNote | undefined {
  if (!current?.exp) return undefined;
  const who = current.sub ? ` of ${current.sub}` : '';
  const when = new Date(current.exp * 1000).toISOString();
  const account = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(current.sub ?? '');
  const mint = account
    ? `An admin mints a new one with \`berth ci credentials --env ENV\` (the environment whose namespace is ${account[1]}) and stores it where CI reads its kubeconfig.`
    : 'Fetch a fresh kubeconfig.';
  if (current.exp * 1000 <= now) return { message: `the kubeconfig's token${who} expired at ${when}`, hint: mint };
  return {
    message: `the kubeconfig's token${who} was refused although it is valid until ${when}: it was revoked (its ServiceAccount was deleted or recreated, e.g. by \`berth ci credentials --revoke\`), or it belongs to another cluster`,
    hint: mint,
  };
}
