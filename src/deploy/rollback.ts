/**
 * Putting an earlier release back, exactly: its objects as they were applied (images, pinned env
 * and secret copies, every rendered object), then watching it until healthy. The rollback is a
 * new release that copies the old one; history only moves forward.
 */
import { listManaged } from '../cluster/apply-set.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import { applyApp, pruneApp, type RolloutContext, watchApp } from './app-rollout.ts';
import { diagnose } from './diagnose.ts';
import { createRelease, type Release, updateRelease } from './releases.ts';

export interface RollbackRequest {
  target: Release;
  /** The app's releases (records or summaries): the rollback's revision comes after theirs. */
  releases: readonly Pick<Release, 'app' | 'revision'>[];
  user: string;
  message?: string;
}

export interface RollbackResult {
  release: Release;
  ok: boolean;
}

const never = new AbortController().signal;

export async function rollbackTo(ctx: RolloutContext, request: RollbackRequest): Promise<RollbackResult> {
  const { target } = request;
  // Take back whatever the failed release set, and keep going even if Ctrl-C was pressed: a
  // rollback half-done is the one state worse than either release.
  // The preflight's answers were for the failed release's objects, not these.
  const rollbackCtx: RolloutContext = { ...ctx, force: true, interrupt: never, dryRun: undefined };
  const applied = await applyApp(rollbackCtx, target.objects);
  const record = await createRelease(
    ctx.cluster,
    {
      ...target,
      kind: 'rollback',
      rollbackOf: target.revision,
      user: request.user,
      createdAt: new Date().toISOString(),
      finishedAt: undefined,
      message: request.message,
      gitSha: target.gitSha,
      result: 'deploying',
      diagnosis: undefined,
      rolledBackBy: undefined,
    },
    request.releases,
  );
  ctx.emit({ type: 'release', app: target.app, revision: record.revision, kind: 'rollback', result: 'deploying' });
  const outcome = await watchApp(rollbackCtx, target.app, applied.deployments, record.revision);
  if (outcome.ok) {
    const live = await listManaged(ctx.cluster, ctx.namespace, {
      [LABEL.managedBy]: MANAGED_BY,
      [LABEL.environment]: target.environment,
      [LABEL.app]: target.app,
    });
    await pruneApp({ ...rollbackCtx, live }, target.app, target.objects);
    record.result = 'succeeded';
  } else {
    record.result = 'failed';
    record.diagnosis = await diagnose(ctx.cluster, outcome.failure, {
      app: target.app,
      process: outcome.process,
      namespace: ctx.namespace,
      environment: target.environment,
      image: target.images[outcome.process]?.image ?? target.tag,
      replicaSet: outcome.replicaSet,
    });
  }
  record.finishedAt = new Date().toISOString();
  await updateRelease(ctx.cluster, record);
  ctx.emit({ type: 'rollback-done', app: target.app, revision: record.revision, ok: outcome.ok });
  return { release: record, ok: outcome.ok };
}
