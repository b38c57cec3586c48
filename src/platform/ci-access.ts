/**
 * What a CI deployer may do, as data: the ServiceAccount, Role and RoleBinding `berth ci
 * credentials` puts into an environment's namespace, and the checks `--check` runs. Pure.
 *
 * The Role holds exactly the API calls of `berth deploy`, `rollback`, `history`, `diagnose`,
 * `lock status`, `status` and `logs` inside the namespace: server-side apply (create + patch) and
 * prune (delete) of every namespaced kind deploy manages (MANAGED_KINDS), the release Secrets
 * (create, update, list, delete) and pinned Secret copies, the deploy Lease, and reads of what
 * status and logs show. Nothing cluster-scoped: the Namespace and NFS PersistentVolumes stay an
 * admin's (deploy warns and goes on), and SelfSubjectReview, which deploy uses to name the user,
 * is open to every authenticated user.
 */
import { MANAGED_KINDS } from '../cluster/apply-set.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import { LOCK_NAME } from '../deploy/lock.ts';

export const CI_ACCOUNT = 'berth-deployer';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** apply = create (a new object) + patch; prune = delete; live objects and change detection = get, list, watch. */
const MANAGE = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

/** The resource name of a kind (`NetworkPolicy` → `networkpolicies`). */
export function plural(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  if (lower.endsWith('s')) return `${lower}es`;
  return `${lower}s`;
}

export function ciRules(): PolicyRule[] {
  const managed = MANAGED_KINDS.filter((k) => !k.clusterScoped && k.kind !== 'Secret');
  const groups = new Map<string, string[]>();
  for (const { apiVersion, kind } of managed) groups.set(groupOf(apiVersion), [...(groups.get(groupOf(apiVersion)) ?? []), plural(kind)]);
  const rules: PolicyRule[] = [...groups].map(([group, resources]) => ({ apiGroups: [group], resources: resources.sort(), verbs: MANAGE }));
  rules.push(
    // Pinned copies (apply), release records (create, update, delete, list by type), the app's
    // database Secret (read, and written by deploy when it provisions the database). Listing
    // Secrets reads their values: deploy has to, to pin them into the release.
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
    // What rollouts, diagnose, status and logs read.
    { apiGroups: [''], resources: ['pods', 'events'], verbs: READ },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: READ },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: READ },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
    // The deploy lock. A create cannot be limited by name (the name is in the body, not the URL).
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'list', 'watch'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [LOCK_NAME] },
  );
  return rules;
}

function labels(environment: string): Record<string, string> {
  return { [LABEL.managedBy]: MANAGED_BY, [LABEL.environment]: environment, [LABEL.component]: 'ci-deployer' };
}

/** The ServiceAccount, its Role and the RoleBinding between them. */
export function renderCiAccess(namespace: string, environment: string): KubeObject[] {
  const metadata = { name: CI_ACCOUNT, namespace, labels: labels(environment) };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: false },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: ciRules() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CI_ACCOUNT },
      subjects: [{ kind: 'ServiceAccount', name: CI_ACCOUNT, namespace }],
    },
  ];
}

/** The API server's name for the account (`system:serviceaccount:shop:berth-deployer`). */
export function accountUser(namespace: string): string {
  return `system:serviceaccount:${namespace}:${CI_ACCOUNT}`;
}

/** One question for an access review: may this verb be done on this resource (in this namespace, or cluster-wide)? */
export interface AccessProbe {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  /** Undefined: cluster-scoped. */
  namespace?: string;
}

export function describeProbe(p: AccessProbe): string {
  const resource = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}${p.name ? ` "${p.name}"` : ''}`;
  return `${p.verb} ${resource} ${p.namespace ? `in ${p.namespace}` : 'cluster-wide'}`;
}

/** Every verb on every resource the Role grants, in the namespace: all must be allowed. */
export function requiredProbes(namespace: string): AccessProbe[] {
  return ciRules().flatMap((rule) =>
    rule.resources.flatMap((full) => {
      const [resource, subresource] = full.split('/') as [string, string | undefined];
      return rule.verbs.map((verb) => ({ verb, group: rule.apiGroups[0]!, resource, subresource, name: rule.resourceNames?.[0], namespace }));
    }),
  );
}

/**
 * What the credentials must NOT be able to do: anything in another namespace, cluster-scoped
 * writes, and in their own namespace the ways out of the sandbox (granting themselves more,
 * minting tokens, running commands in pods, touching other Leases).
 */
export function refusedProbes(namespace: string, otherNamespace: string): AccessProbe[] {
  return [
    { verb: 'patch', group: 'apps', resource: 'deployments', namespace: otherNamespace },
    { verb: 'list', group: '', resource: 'secrets', namespace: otherNamespace },
    { verb: 'create', group: '', resource: 'namespaces' },
    { verb: 'patch', group: '', resource: 'namespaces', name: namespace },
    { verb: 'create', group: '', resource: 'persistentvolumes' },
    { verb: 'list', group: '', resource: 'nodes' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace },
    { verb: 'patch', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace },
    { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', name: CI_ACCOUNT, namespace },
    { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace },
    { verb: 'create', group: '', resource: 'pods', namespace },
    { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', name: 'some-other-lease', namespace },
  ];
}
