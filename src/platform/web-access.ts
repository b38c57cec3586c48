/**
 * What the admin page's ServiceAccount may do, as data: a Role and RoleBinding `berth-web` in each
 * environment's namespace and nowhere else — no ClusterRole, so it can read no Secret outside the
 * environments — and the access-review probes that prove it. Pure.
 *
 * Each page's action is a library call the CLI makes too, so the rules are those calls' API use:
 * - overview (`berth status`): Deployments, ReplicaSets, Pods, CronJobs, Jobs, the release
 *   records' metadata (Secrets of type berth.dev/release.v1), the deploy lock's Lease;
 * - an app's releases (`berth history`) and diagnosis: the release Secrets, Pods, Events, logs;
 * - rollback and restart: releases made by deploy's apply and watch — server-side apply and prune
 *   of every kind deploy manages, the pinned config and secret copies, the release records, the
 *   lock, rollout verdicts — exactly what a CI deployer of that namespace needs (ci-access.ts);
 * - logs: pods/log;
 * - backups (create, verify, restore, delete): the app's database Secret, the S3 credentials
 *   Secret, and a restart of the app's pods after a restore — all inside the rules above. The
 *   database itself is reached with the admin credential, not through the API (see below).
 */
import type { ResolvedWeb } from '../config/resolved.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { platformLabels } from '../model/labels.ts';
import { WEB } from '../model/web-names.ts';
import { type AccessProbe, ciRules, type PolicyRule, refusedProbes } from './ci-access.ts';

export function webRules(): PolicyRule[] {
  // Rollback and restart are releases through deploy: the CI deployer's Role is what deploy,
  // rollback, history, diagnose, lock, status and logs need in a namespace, and no more.
  return ciRules();
}

/** The API server's name for the server's account. */
export function webUser(web: Pick<ResolvedWeb, 'namespace'>): string {
  return `system:serviceaccount:${web.namespace}:${WEB.name}`;
}

export function webGroups(web: Pick<ResolvedWeb, 'namespace'>): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${web.namespace}`, 'system:authenticated'];
}

/** A Role and its RoleBinding to the web ServiceAccount, in one namespace. */
function grant(web: ResolvedWeb, namespace: string, name: string, rules: PolicyRule[]): KubeObject[] {
  const metadata = { name, namespace, labels: platformLabels('web') };
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: WEB.name, namespace: web.namespace }],
    },
  ];
}

export function renderWebAccess(web: ResolvedWeb): KubeObject[] {
  const objects = web.environments.flatMap((e) => grant(web, e.namespace, WEB.name, webRules()));
  const admin = web.databaseAdmin;
  // Backups (create, verify with a test restore, restore) connect with the database admin
  // credential. Given as a Secret outside the environments (CloudNativePG's superuser Secret in
  // the database namespace), the server may read that one Secret by name, and nothing else there.
  if (admin && 'secret' in admin && !web.environments.some((e) => e.namespace === admin.secret.namespace)) {
    objects.push(
      ...grant(web, admin.secret.namespace, WEB.databaseAdminRole, [
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [admin.secret.name] },
      ]),
    );
  }
  return objects;
}

/** Every verb on every resource the Role grants, in an environment's namespace: all must be allowed (the CI deployer's). */
export { requiredProbes as webRequiredProbes } from './ci-access.ts';

/**
 * What the account must NOT do: anything in a namespace outside the environments (Secrets above
 * all), read its own login tokens through the API, anything cluster-wide, and in an environment
 * the ways out of it (RBAC, tokens, exec, pods of its own).
 */
export function webRefusedProbes(web: ResolvedWeb, environmentNamespace: string, outsideNamespace: string): AccessProbe[] {
  return [
    ...refusedProbes(environmentNamespace, outsideNamespace),
    { verb: 'get', group: '', resource: 'secrets', name: WEB.tokensSecret, namespace: web.namespace },
    { verb: 'list', group: '', resource: 'secrets', namespace: web.namespace },
    { verb: 'get', group: '', resource: 'secrets', namespace: outsideNamespace },
    { verb: 'list', group: 'apps', resource: 'deployments', namespace: outsideNamespace },
    { verb: 'list', group: '', resource: 'secrets' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: environmentNamespace },
  ];
}
