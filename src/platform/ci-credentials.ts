/**
 * `berth ci credentials`: a ServiceAccount limited to one environment's namespace (ci-access.ts),
 * a kubeconfig with a bound, expiring token for it, its revocation, and a check of what it can
 * and cannot do, asked of the API server's own authorizer.
 */
import { readFile } from 'node:fs/promises';
import { type AccessAnswer, canI, canUser, exists, MIN_TOKEN_SECONDS, requestToken } from '../cluster/access.ts';
import { applyObject, deleteObject } from '../cluster/apply.ts';
import type { Cluster } from '../cluster/connect.ts';
import { whoAmI } from '../cluster/whoami.ts';
import { BerthError, ExitCode, UsageError } from '../errors.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { type AccessProbe, accountUser, CI_ACCOUNT, describeProbe, refusedProbes, renderCiAccess, requiredProbes } from './ci-access.ts';
import { buildKubeconfig, type Kubeconfig } from './kubeconfig.ts';

/** A deploy step that runs for a quarter of a year between rotations is the usual CI rhythm. */
export const DEFAULT_TTL_SECONDS = 90 * 24 * 3600;

export interface IssueRequest {
  cluster: Cluster;
  namespace: string;
  environment: string;
  ttlSeconds: number;
  /** The API server address CI reaches, when it differs from this kubeconfig's (K3s writes 127.0.0.1). */
  server?: string;
}

export interface IssuedCredentials {
  namespace: string;
  serviceAccount: string;
  user: string;
  server: string;
  expiresAt: string;
  kubeconfig: Kubeconfig;
  /** The objects applied (idempotently). */
  objects: string[];
}

export async function issueCiCredentials(request: IssueRequest): Promise<IssuedCredentials> {
  if (request.ttlSeconds < MIN_TOKEN_SECONDS) {
    throw new UsageError(`--ttl must be at least 10m: the API server refuses shorter ServiceAccount tokens`);
  }
  const { cluster, namespace } = request;
  if (!(await exists(cluster, `/api/v1/namespaces/${namespace}`))) {
    throw new BerthError(`Namespace ${namespace} does not exist yet`, {
      exitCode: ExitCode.failure,
      hint: `Deploy the environment once with an admin kubeconfig (\`berth deploy --env ${request.environment}\`): the CI credentials live in its namespace.`,
    });
  }
  const objects = renderCiAccess(namespace, request.environment);
  // berth alone owns these objects: force takes back anything edited by hand.
  for (const object of objects) await applyObject(cluster, object as KubeObject & { apiVersion: string }, { force: true });
  const token = await requestToken(cluster, namespace, CI_ACCOUNT, request.ttlSeconds);
  const current = cluster.target.cluster;
  const server = request.server ?? cluster.server;
  const caData = current.caData ?? (current.caFile ? (await readFile(current.caFile)).toString('base64') : undefined);
  return {
    namespace,
    serviceAccount: CI_ACCOUNT,
    user: accountUser(namespace),
    server,
    expiresAt: token.expiresAt,
    kubeconfig: buildKubeconfig({
      name: `berth-${request.environment}`,
      server,
      caData,
      insecure: current.insecure,
      namespace,
      user: `${CI_ACCOUNT}@${namespace}`,
      token: token.token,
    }),
    objects: objects.map((o) => `${o.kind} ${namespace}/${o.metadata.name}`),
  };
}

/** Deletes the binding, the Role and the ServiceAccount; its tokens stop working at once. */
export async function revokeCiCredentials(cluster: Cluster, namespace: string, environment: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const object of renderCiAccess(namespace, environment).reverse()) {
    if (await deleteObject(cluster, object)) deleted.push(`${object.kind} ${namespace}/${object.metadata.name}`);
  }
  return deleted;
}

export interface CheckLine {
  check: string;
  /** Whether the credentials should be able to. */
  expected: boolean;
  allowed: boolean;
  ok: boolean;
}

export interface CheckResult {
  /** Whose rights were checked. */
  subject: string;
  /** `self`: the kubeconfig's own user; `account`: the environment's CI account, asked by an admin. */
  mode: 'self' | 'account';
  ok: boolean;
  lines: CheckLine[];
}

/**
 * What the CI account may do, asked of the API server's authorizer: every permission deploy,
 * rollback, status and logs need in the namespace must be allowed, and the probes outside it
 * (another namespace, cluster-wide writes, granting itself more) must be refused. Run with the
 * CI kubeconfig, it checks itself; run by an admin, it checks the environment's account.
 */
export async function checkCiCredentials(cluster: Cluster, namespace: string, otherNamespace: string): Promise<CheckResult> {
  const me = await whoAmI(cluster);
  const account = accountUser(namespace);
  let mode: CheckResult['mode'] = 'self';
  let ask: (probe: AccessProbe) => Promise<AccessAnswer> = (probe) => canI(cluster, probe);
  if (me !== account) {
    if (!(await exists(cluster, `/api/v1/namespaces/${namespace}/serviceaccounts/${CI_ACCOUNT}`).catch(() => true))) {
      throw new BerthError(`There are no CI credentials in ${namespace} (no ServiceAccount ${CI_ACCOUNT})`, {
        hint: 'Create them with `berth ci credentials --env ENV`.',
      });
    }
    const groups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
    const first = await canUser(cluster, account, groups, requiredProbes(namespace)[0]!);
    if (first) {
      mode = 'account';
      ask = async (probe) => (await canUser(cluster, account, groups, probe))!;
    }
  }
  const probes = [
    ...requiredProbes(namespace).map((probe) => ({ probe, expected: true })),
    ...refusedProbes(namespace, otherNamespace).map((probe) => ({ probe, expected: false })),
  ];
  const lines = await Promise.all(
    probes.map(async ({ probe, expected }) => {
      const { allowed } = await ask(probe);
      return { check: describeProbe(probe), expected, allowed, ok: allowed === expected };
    }),
  );
  return { subject: mode === 'account' ? account : me, mode, ok: lines.every((l) => l.ok), lines };
}
