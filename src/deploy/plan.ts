/**
 * Pure pieces of a deploy: which rendered objects belong to which app, what a prune would remove,
 * and how a live object differs from what berth would apply (for --dry-run and diff).
 */
import { type AppliedObject, ref } from '../cluster/apply-set.ts';
import { appliedHash } from '../cluster/applied-stamp.ts';
import { FIELD_MANAGER } from '../cluster/secrets.ts';
import type { RawObject } from '../cluster/watch.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { ANNOTATION, LABEL } from '../model/labels.ts';

export interface SplitObjects {
  /** Objects of the environment itself (Namespace, shared Certificates). */
  shared: KubeObject[];
  byApp: Map<string, KubeObject[]>;
}

export function splitByApp(objects: KubeObject[]): SplitObjects {
  const shared: KubeObject[] = [];
  const byApp = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const app = object.metadata.labels?.[LABEL.app];
    if (!app) shared.push(object);
    else byApp.set(app, [...(byApp.get(app) ?? []), object]);
  }
  return { shared, byApp };
}

/** Live objects of these apps (or of apps gone from the config) that the new set does not contain. */
export function pruneCandidates(
  live: ReadonlyMap<string, RawObject>,
  keep: ReadonlySet<string>,
  scope: { apps?: ReadonlySet<string>; removedApps?: ReadonlySet<string> },
): Map<string, RawObject> {
  const out = new Map<string, RawObject>();
  for (const [key, object] of live) {
    if (keep.has(key)) continue;
    const app = (object.metadata.labels as Record<string, string> | undefined)?.[LABEL.app];
    if (!app) continue;
    if (scope.apps?.has(app) || scope.removedApps?.has(app)) out.set(key, object);
  }
  return out;
}

export function refs(objects: KubeObject[]): Set<string> {
  return new Set(objects.map(ref));
}

/** Marks each Deployment's pods (or those `which` picks) to roll even when nothing else changed (`deploy --restart`, `berth restart`). */
export function withRestart(objects: KubeObject[], at: string, which: (deployment: KubeObject) => boolean = () => true): KubeObject[] {
  return objects.map((object) => {
    if (object.kind !== 'Deployment' || !which(object)) return object;
    const copy = structuredClone(object) as KubeObject & { spec: { template: { metadata?: { annotations?: Record<string, string> } } } };
    copy.spec.template.metadata ??= {};
    copy.spec.template.metadata.annotations = { ...copy.spec.template.metadata.annotations, [ANNOTATION.restartedAt]: at };
    return copy;
  });
}

/**
 * Keeps the restart stamp a live Deployment carries: without it the next deploy would change
 * the pod template and roll the pods again for nothing. Pure.
 */
export function keepRestartStamps(objects: KubeObject[], live: ReadonlyMap<string, RawObject>): KubeObject[] {
  return objects.map((object) => {
    if (object.kind !== 'Deployment') return object;
    const stamp = (live.get(ref(object)) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | undefined)?.spec?.template
      ?.metadata?.annotations?.[ANNOTATION.restartedAt];
    if (!stamp) return object;
    return withRestart([object], stamp)[0]!;
  });
}

const VOLATILE_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

/** An object as it would compare: no status, no server-set metadata, no controller annotations. */
export function comparable(object: RawObject | KubeObject): Record<string, unknown> {
  // Copies only what it changes (metadata): a deep clone of every live object, managedFields
  // and all, was a noticeable part of a deploy's CPU before anything was applied.
  const { status: _status, metadata: given, ...rest } = object as Record<string, unknown> & { metadata: Record<string, unknown> };
  const metadata = { ...given };
  for (const key of VOLATILE_METADATA) delete metadata[key];
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (annotations) {
    // The applied stamp changes with every change: a diff shows the change itself.
    const { 'deployment.kubernetes.io/revision': _revision, [ANNOTATION.applied]: _stamp, ...kept } = annotations;
    if (Object.keys(kept).length === 0) delete metadata.annotations;
    else metadata.annotations = kept;
  }
  return { ...rest, metadata };
}

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** Leaf differences between two objects, secret data masked. */
export function diffObjects(before: unknown, after: unknown, isSecret = false, path = ''): FieldChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const both = (v: unknown) => v !== null && typeof v === 'object';
  if (both(before) && both(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
    return [...keys]
      .sort()
      .flatMap((k) =>
        diffObjects(
          (before as Record<string, unknown>)[k],
          (after as Record<string, unknown>)[k],
          isSecret,
          Array.isArray(before) ? `${path}[${k}]` : `${path}.${k}`,
        ),
      );
  }
  const mask = (v: unknown) => (isSecret && /^\.(data|stringData)\./.test(path) && v !== undefined ? '(secret)' : v);
  return [{ path, before: mask(before), after: mask(after) }];
}

/** Deep equality of JSON values, whatever the key order; stops at the first difference. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

/** The fields berth's own applies own in an object (its managedFields entry), for comparison. */
function ownedByBerth(object: RawObject): unknown {
  const entries = (object.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.find((e) => e.manager === FIELD_MANAGER && e.operation === 'Apply' && !e.subresource)?.fieldsV1;
}

/**
 * The objects whose apply a server-side dry run found would change nothing: the answer equals
 * the live object (status and server-set metadata aside) and berth owns the same fields, so the
 * API server would not write it. Keyed by ref(), with the object as it was dry-run.
 */
export function noopApplies(desired: KubeObject[], dryRun: AppliedObject[], live: ReadonlyMap<string, RawObject>): Map<string, string> {
  const answers = new Map(dryRun.map((a) => [ref(a.object), a.object]));
  const noop = new Map<string, string>();
  for (const object of desired) {
    const key = ref(object);
    const before = live.get(key);
    const after = answers.get(key);
    if (!before || !after || ownedByBerth(before) === undefined) continue;
    if (!same(ownedByBerth(before), ownedByBerth(after)) || !same(comparable(before), comparable(after))) continue;
    // An object not stamped yet (applied by an older berth) is applied once to get its stamp.
    if (stampOf(before) !== stampOf(after)) continue;
    noop.set(key, JSON.stringify(object));
  }
  return noop;
}

function stampOf(object: RawObject): string | undefined {
  return (object.metadata.annotations as Record<string, string> | undefined)?.[ANNOTATION.applied];
}

/** Kinds with a pod template: always dry-run, since the deploy reads their answers (rollouts, backups before migrations). */
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

/**
 * The objects a deploy need not even dry-run: berth last applied exactly this object (the live
 * stamp is the hash of what it would send now) and no one else has written it since (berth's
 * Apply is the only writer in managedFields, status aside), so applying it again would change
 * nothing. Anything else, a `kubectl edit` or `kubectl label` included, goes through the dry run.
 * Keyed by ref(), with the object as rendered (as noopApplies). Pure.
 */
export function untouchedSinceApplied(desired: KubeObject[], live: ReadonlyMap<string, RawObject>): Map<string, string> {
  const untouched = new Map<string, string>();
  for (const object of desired) {
    if (POD_TEMPLATE_KINDS.has(object.kind)) continue;
    const key = ref(object);
    const before = live.get(key);
    if (!before || before.metadata.deletionTimestamp || stampOf(before) !== appliedHash(object) || !onlyBerthWrote(before)) continue;
    untouched.set(key, JSON.stringify(object));
  }
  return untouched;
}

function onlyBerthWrote(object: RawObject): boolean {
  const entries = (object.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const berth = (e: ManagedFieldsEntry) => e.manager === FIELD_MANAGER && e.operation === 'Apply' && !e.subresource;
  const applied = entries.find(berth);
  return !!applied && entries.every((e) => berth(e) || e.subresource === 'status' || (object.kind === 'Namespace' && onlyLabelsOf(e, applied)));
}

/**
 * A namespace's creator (berth's own create, `kubectl create namespace`) owns the label the API
 * server puts on every namespace, and any label it set that berth's apply set the same: a field
 * two managers own has the same value for both (server-side apply takes it from one that
 * changes it), so nothing berth set was edited.
 */
function onlyLabelsOf(entry: ManagedFieldsEntry, applied: ManagedFieldsEntry): boolean {
  const fields = entry.fieldsV1 as { 'f:metadata'?: { 'f:labels'?: object } } | undefined;
  const ours = (applied.fieldsV1 as { 'f:metadata'?: { 'f:labels'?: object } } | undefined)?.['f:metadata']?.['f:labels'] ?? {};
  return (
    !!fields &&
    Object.keys(fields).join() === 'f:metadata' &&
    Object.keys(fields['f:metadata'] ?? {}).join() === 'f:labels' &&
    Object.keys(fields['f:metadata']?.['f:labels'] ?? {}).every((key) => key === '.' || key === 'f:kubernetes.io/metadata.name' || key in ours)
  );
}
