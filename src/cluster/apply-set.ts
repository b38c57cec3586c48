/**
 * Applying a set of objects and pruning what left it: the one apply path deploy, rollback and the
 * day-2 commands share. What pods need goes out first, kind by kind (model/kube-object.ts
 * KIND_ORDER), then everything else at once (applyBatches); pruning finds objects by berth's
 * ownership labels and never deletes one carrying the keep-on-prune annotation.
 */
import { BerthError, ExitCode } from '../errors.ts';
import { compareObjects, KIND_ORDER, type KubeObject } from '../model/kube-object.ts';
import { KEEP_ON_PRUNE_KEY } from '../model/labels.ts';
import { stamped } from './applied-stamp.ts';
import type { Cluster } from './connect.ts';
import { httpStatus, isNotFound, kubeError } from './errors.ts';
import { FIELD_MANAGER } from './field-manager.ts';
import type { RawObject } from './watch.ts';

export interface AppliedObject {
  object: RawObject;
  /** resourceVersion before the apply; undefined when the object was created. */
  before: string | undefined;
  changed: boolean;
}

export interface ApplySetOptions {
  /** resourceVersion of each live object by ref(), to tell what changed. */
  live?: ReadonlyMap<string, RawObject>;
  dryRun?: boolean;
  /** Take over fields another field manager set (kubectl edit). */
  force?: boolean;
  signal?: AbortSignal;
  concurrency?: number;
  onApplied?: (applied: AppliedObject) => void;
  /**
   * A deployer limited to its namespace (`berth ci credentials`) may not write cluster-scoped
   * objects (the Namespace, NFS PersistentVolumes): with this set, such a refusal is reported
   * here and the object skipped rather than failing the whole set. They are an admin's to apply.
   */
  onClusterScopedForbidden?: (object: KubeObject, error: BerthError) => void;
  /**
   * Objects a dry run has just found would not change (by ref(), with the object exactly as it
   * was dry-run): not sent again, so a deploy writes only what changes and its Deployments are
   * not queued behind a hundred no-op applies. See noopApplies in deploy/plan.ts.
   */
  unchanged?: ReadonlyMap<string, string>;
  /**
   * The answers of the dry run just before (by ref()): fresher than `live`, which was read before
   * the deploy took its lock. A controller may have changed an object since (a claim bound).
   */
  dryRunAnswers?: ReadonlyMap<string, RawObject>;
}

/** `Deployment shop/web`: how objects are named in messages and maps. */
export function ref(object: { kind?: string; metadata: { name: string; namespace?: string } }): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

export async function applySet(cluster: Cluster, objects: KubeObject[], options: ApplySetOptions = {}): Promise<AppliedObject[]> {
  const results: AppliedObject[] = [];
  for (const batch of applyBatches([...objects].sort(compareObjects), { dryRun: options.dryRun === true, live: options.live })) {
    options.signal?.throwIfAborted();
    const applied = await mapLimit(batch, options.concurrency ?? 8, (object) => applyOne(cluster, object, options));
    results.push(...applied);
  }
  return results;
}

async function applyOne(cluster: Cluster, object: KubeObject, options: ApplySetOptions): Promise<AppliedObject> {
  const live = options.live?.get(ref(object));
  const before = live?.metadata.resourceVersion;
  if (live && !options.dryRun && options.unchanged?.get(ref(object)) === JSON.stringify(object)) {
    const applied = { object: live, before, changed: false };
    options.onApplied?.(applied);
    return applied;
  }
  let result: RawObject;
  try {
    result = (await cluster.objects.applyRaw(stamped(object), {
      fieldManager: FIELD_MANAGER,
      force: options.force,
      dryRun: options.dryRun,
    })) as unknown as RawObject;
  } catch (error) {
    const failure = applyError(error, object, options.dryRun === true);
    if (options.onClusterScopedForbidden && httpStatus(error) === 403 && CLUSTER_SCOPED.has(object.kind)) {
      options.onClusterScopedForbidden(object, failure);
      return { object: object as unknown as RawObject, before, changed: false };
    }
    throw failure;
  }
  const applied = { object: result, before, changed: changedBy(live, result, options.dryRunAnswers?.get(ref(object))) };
  options.onApplied?.(applied);
  return applied;
}

/**
 * Whether the apply changed the object. Controllers keep writing the status of Deployments and
 * PDBs, which moves resourceVersion without any change of ours: where an object has a generation
 * (bumped on spec changes only), that is what counts. Elsewhere a new resourceVersion is a write,
 * judged against the dry run's answer when there is one: a dry run answers with the stored
 * resourceVersion, so a write by a controller since `before` was read is not taken for berth's.
 */
export function changedBy(before: RawObject | undefined, after: RawObject, dryRun?: RawObject): boolean {
  if (!before) return true;
  if (before.metadata.generation !== undefined && after.metadata.generation !== undefined) return before.metadata.generation !== after.metadata.generation;
  const base = dryRun?.metadata.resourceVersion ? dryRun : before;
  return base.metadata.resourceVersion !== after.metadata.resourceVersion;
}

/** Server-side apply errors that need their own words: field conflicts and missing CRDs. */
function applyError(error: unknown, object: KubeObject, dryRun: boolean): BerthError {
  const what = `apply ${ref(object)}${dryRun ? ' (dry run)' : ''}`;
  if (httpStatus(error) === 409) {
    const message = statusMessage(error);
    const conflicts = parseConflicts(message);
    if (conflicts.length) {
      const byManager = new Map<string, string[]>();
      for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
      const who = [...byManager].map(([manager, fields]) => `"${manager}" set ${fields.join(', ')}`).join('; ');
      return new BerthError(`Could not ${what}: someone else changed fields berth manages (${who})`, {
        exitCode: ExitCode.conflict,
        hint: `Someone edited the object by hand (kubectl edit/patch/scale).${dryRun ? ' Nothing was applied.' : ''} To take the fields back and apply berth's values, run again with --force-conflicts; to keep the hand edit, put it in the berth config.`,
        cause: error,
      });
    }
  }
  return kubeError(error, what);
}

function statusMessage(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  return String((parsed as { message?: string } | undefined)?.message ?? '');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** `Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas` → manager + field. */
export function parseConflicts(message: string): { manager: string; field: string }[] {
  const found: { manager: string; field: string }[] = [];
  for (const match of message.matchAll(/conflict with "([^"]+)"(?: with subresource "([^"]+)")?(?: using [^:]+)?: (\S+)/g)) {
    found.push({ manager: match[2] ? `${match[1]} ${match[2]}` : match[1]!, field: match[3]! });
  }
  return found;
}

/** What berth may own for an environment: the kinds render produces (PersistentVolumes are cluster-wide). */
export const MANAGED_KINDS: { apiVersion: string; kind: string; optional?: boolean; clusterScoped?: boolean; plural?: string }[] = [
  { apiVersion: 'v1', kind: 'Namespace', clusterScoped: true },
  { apiVersion: 'v1', kind: 'PersistentVolume', clusterScoped: true },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  // Custom resources: absent from clusters without cert-manager or Traefik. Their REST names are
  // fixed by their CRDs' names: listed at once, not after a discovery round trip.
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', optional: true, plural: 'certificates' },
  { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', optional: true, plural: 'middlewares' },
];

const CLUSTER_SCOPED = new Set(MANAGED_KINDS.filter((k) => k.clusterScoped).map((k) => k.kind));

/** Live objects carrying every given label, across the kinds berth renders into a namespace. */
export async function listManaged(cluster: Cluster, namespace: string, labels: Record<string, string>): Promise<Map<string, RawObject>> {
  const labelSelector = selector(labels);
  const found = new Map<string, RawObject>();
  await Promise.all(
    MANAGED_KINDS.map(async ({ apiVersion, kind, optional, clusterScoped, plural }) => {
      try {
        const list = await cluster.objects.listRaw<RawObject>(apiVersion, kind, { namespace: clusterScoped ? undefined : namespace, labelSelector, plural });
        for (const item of list.items) {
          if (clusterScoped && !belongsTo(item, kind, namespace)) continue;
          found.set(ref({ ...item, kind }), { ...item, apiVersion, kind });
        }
      } catch (error) {
        if (optional && unknownKind(error)) return;
        // A deployer limited to its namespace cannot list cluster-wide kinds; berth's objects there are kept on prune anyway.
        if (clusterScoped && httpStatus(error) === 403) return;
        throw kubeError(error, `list ${kind}s in ${namespace}`);
      }
    }),
  );
  return found;
}

/**
 * Cluster-scoped objects carry the environment's labels, but another project may have an
 * environment of the same name: only this namespace and the volumes bound into it are this one's.
 */
function belongsTo(object: RawObject, kind: string, namespace: string): boolean {
  if (kind === 'Namespace') return object.metadata.name === namespace;
  return (object.spec as { claimRef?: { namespace?: string } } | undefined)?.claimRef?.namespace === namespace;
}

/** True when the cluster does not serve the kind (its CRD is not installed). */
export function unknownKind(error: unknown): boolean {
  return isNotFound(error) || /Unrecognized API version and kind/.test(String((error as Error)?.message ?? ''));
}

export interface PruneResult {
  deleted: string[];
  kept: string[];
}

/** Deletes the live objects that are not in `keep`, except those marked keep-on-prune. */
export async function prune(
  cluster: Cluster,
  live: ReadonlyMap<string, RawObject>,
  keep: ReadonlySet<string>,
  options: { dryRun?: boolean } = {},
): Promise<PruneResult> {
  const result: PruneResult = { deleted: [], kept: [] };
  const candidates = [...live.entries()].filter(([key]) => !keep.has(key));
  for (const [key, object] of candidates) {
    const annotations = (object.metadata.annotations ?? {}) as Record<string, string>;
    if (annotations[KEEP_ON_PRUNE_KEY] === 'never') {
      result.kept.push(key);
      continue;
    }
    if (!options.dryRun) await deleteRaw(cluster, object);
    result.deleted.push(key);
  }
  return result;
}

export async function deleteRaw(cluster: Cluster, object: RawObject): Promise<boolean> {
  try {
    const path = await cluster.objects.objectPath(object);
    // Background: the ReplicaSets and pods of a pruned Deployment go with it.
    await cluster.objects.sendRaw('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw kubeError(error, `delete ${ref(object)}`);
  }
}

export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Kinds ranked before this one are what pods need before they start. */
const FIRST_UNORDERED = KIND_ORDER.indexOf('Service');

/**
 * What pods need before they start and does not exist yet (namespace, volumes, ConfigMaps,
 * Secrets, service account, database objects) goes first, kind by kind, so no pod starts without
 * its config. Then the Deployments, with the updates of what pods need (pods already find it),
 * so rollouts start before the rest is sent; then everything else at once: a rollout does not
 * wait for the Service, Ingress or NetworkPolicy beside it. A dry run changes nothing, so it has
 * no order to keep.
 */
export function applyBatches(sorted: KubeObject[], options: { dryRun: boolean; live?: ReadonlyMap<string, RawObject> }): KubeObject[][] {
  if (options.dryRun) return sorted.length ? [sorted] : [];
  const podsNeed = (o: KubeObject) => KIND_ORDER.indexOf(o.kind) !== -1 && KIND_ORDER.indexOf(o.kind) < FIRST_UNORDERED;
  const exists = (o: KubeObject) => options.live?.has(ref(o)) === true;
  const created: KubeObject[][] = [];
  for (const object of sorted.filter((o) => podsNeed(o) && !exists(o))) {
    const last = created.at(-1);
    if (last && last[0]!.kind === object.kind) last.push(object);
    else created.push([object]);
  }
  const withDeployments = sorted.filter((o) => o.kind === 'Deployment' || (podsNeed(o) && exists(o)));
  const rest = sorted.filter((o) => o.kind !== 'Deployment' && !podsNeed(o));
  return [...created, withDeployments, rest].filter((group) => group.length > 0);
}

/**
 * `fn` over the items, `limit` at a time. After a failure no further item is started, and the
 * first failure is thrown once those in flight have ended: nothing is still being written when
 * the caller hears of it.
 */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  const settled = await Promise.allSettled(workers);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}
