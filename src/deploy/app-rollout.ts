/**
 * One app's step of a deploy or rollback: apply its objects, watch the Deployments that changed,
 * and say how it ended. Deploy, rollback and (later) config/secret changes all go through here.
 */
import { type AppliedObject, applySet, prune, ref } from '../cluster/apply-set.ts';
import type { Cluster } from '../cluster/connect.ts';
import type { RawObject } from '../cluster/watch.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { LABEL } from '../model/labels.ts';
import type { Pod } from '../model/workloads.ts';
import type { Emit } from './events.ts';
import { pruneCandidates } from './plan.ts';
import type { ProcessImage } from './releases.ts';
import type { RolloutWatcher } from './rollout-watcher.ts';
import type { Failure, Verdict } from './verdict.ts';

export interface RolloutContext {
  cluster: Cluster;
  namespace: string;
  watcher: RolloutWatcher;
  /** berth-managed objects of the environment as they were before this deploy. */
  live: ReadonlyMap<string, RawObject>;
  /** The preflight dry run's answers, by ref(): the freshest copy before the apply (see applySet). */
  dryRun?: ReadonlyMap<string, RawObject>;
  timeoutMs: number;
  force: boolean;
  emit: Emit;
  /** Ctrl-C: stop waiting; the caller rolls back what is in flight. */
  interrupt: AbortSignal;
}

export interface ChangedDeployment {
  process: string;
  name: string;
  appliedGeneration: number;
}

export interface AppliedApp {
  applied: AppliedObject[];
  changed: number;
  deployments: ChangedDeployment[];
}

/**
 * `unchanged`: what a dry run just found would not change (deploy's preflight), not sent again.
 * `written` is given each object as its apply is answered: what was written before a refusal.
 */
export async function applyApp(
  ctx: RolloutContext,
  objects: KubeObject[],
  unchanged?: ReadonlyMap<string, string>,
  written?: AppliedObject[],
): Promise<AppliedApp> {
  const applied = await applySet(ctx.cluster, objects, {
    live: ctx.live,
    force: ctx.force,
    unchanged,
    dryRunAnswers: ctx.dryRun,
    onClusterScopedForbidden: clusterScopedWarning(ctx.emit),
    onApplied: written && ((object) => written.push(object)),
  });
  const deployments = applied
    .filter((a) => a.object.kind === 'Deployment' && a.changed && generationMoved(a, ctx.live))
    .map((a) => ({
      process: (a.object.metadata.labels as Record<string, string> | undefined)?.[LABEL.component] ?? a.object.metadata.name,
      name: a.object.metadata.name,
      appliedGeneration: Number(a.object.metadata.generation ?? 1),
    }));
  return { applied, changed: applied.filter((a) => a.changed).length, deployments };
}

/** For objects only an admin may write (see applySet's onClusterScopedForbidden). */
export function clusterScopedWarning(emit: Emit): (object: KubeObject) => void {
  return (object) =>
    emit({
      type: 'warning',
      message: `${ref(object)} was not applied: these credentials may not write cluster-scoped objects; an admin's \`berth deploy\` applies it`,
    });
}

/** A changed Deployment only needs watching when its spec changed, not just its labels. */
function generationMoved(applied: AppliedObject, live: ReadonlyMap<string, RawObject>): boolean {
  const before = live.get(ref(applied.object));
  return !before || before.metadata.generation !== applied.object.metadata.generation;
}

export type WatchOutcome =
  | { ok: true }
  | { ok: false; process: string; deployment: string; failure: Failure; replicaSet: string | undefined; interrupted?: boolean };

/** Waits for every changed Deployment of the app; the first failure ends the wait. */
export async function watchApp(ctx: RolloutContext, app: string, deployments: ChangedDeployment[], revision: number | undefined): Promise<WatchOutcome> {
  if (deployments.length === 0) return { ok: true };
  const deadline = Date.now() + ctx.timeoutMs;
  const tracks = deployments.map((d) =>
    ctx.watcher
      .track({
        name: d.name,
        appliedGeneration: d.appliedGeneration,
        deadline,
        onVerdict: (verdict: Verdict) => {
          if (verdict.state === 'progressing')
            ctx.emit({ type: 'progress', app, process: d.process, revision, progress: verdict.progress, waitingFor: verdict.waitingFor });
          else if (verdict.state === 'done') ctx.emit({ type: 'rollout-done', app, process: d.process });
        },
      })
      .then((verdict) => ({ d, verdict })),
  );
  const interrupted = new Promise<'interrupted'>((resolve) => {
    if (ctx.interrupt.aborted) resolve('interrupted');
    ctx.interrupt.addEventListener('abort', () => resolve('interrupted'), { once: true });
  });
  const pending = new Set(tracks);
  while (pending.size) {
    const next = await Promise.race([...pending, interrupted]);
    if (next === 'interrupted') {
      const d = deployments[0]!;
      return {
        ok: false,
        process: d.process,
        deployment: d.name,
        failure: { code: 'timeout', message: 'interrupted (Ctrl-C) before the rollout finished' },
        replicaSet: undefined,
        interrupted: true,
      };
    }
    pending.delete(tracks[deployments.indexOf(next.d)]!);
    if (next.verdict.state === 'failed') {
      return { ok: false, process: next.d.process, deployment: next.d.name, failure: next.verdict.failure, replicaSet: next.verdict.progress.replicaSet };
    }
  }
  return { ok: true };
}

/** Removes the app's live objects that its new object set no longer has (old pinned config, dropped processes). */
export async function pruneApp(ctx: RolloutContext, app: string, objects: KubeObject[]): Promise<void> {
  const keep = new Set(objects.map(ref));
  const candidates = pruneCandidates(ctx.live, keep, { apps: new Set([app]) });
  if (candidates.size === 0) return;
  const result = await prune(ctx.cluster, candidates, keep);
  if (result.deleted.length || result.kept.length) ctx.emit({ type: 'pruned', app, objects: result.deleted, kept: result.kept });
}

/** Image and digest per process, read back from the running pods of the new ReplicaSet where the cluster reports one. */
export function imagesOf(objects: KubeObject[], podsOf: (deployment: string) => Pod[]): Record<string, ProcessImage> {
  const images: Record<string, ProcessImage> = {};
  for (const object of objects) {
    if (object.kind !== 'Deployment') continue;
    const process = object.metadata.labels?.[LABEL.component] ?? object.metadata.name;
    const container = (object.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers[0]!;
    const status = podsOf(object.metadata.name)
      .flatMap((p) => p.status?.containerStatuses ?? [])
      .find((s) => s.name === container.name && s.imageID);
    const digest = status?.imageID?.match(/sha256:[0-9a-f]{64}/)?.[0];
    images[process] = digest ? { image: container.image, digest } : { image: container.image };
  }
  return images;
}
