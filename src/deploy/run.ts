/**
 * `berth deploy`: validate → render → lock → namespace and databases → apply (server-side, berth's
 * field manager) → watch every rollout with berth's own verdict → health check → record the
 * release → prune → notify → unlock. Apps deploy in parallel; an app that fails is rolled back on
 * its own (the whole release: images, env, secrets, objects) and the others keep their new one.
 */
import { type AppliedObject, applySet, prune, ref } from '../cluster/apply-set.ts';
import { freeVolume, releasedVolumes } from '../cluster/released-volumes.ts';
import { describe as describeObject, terminating, waitUntilGone } from '../cluster/terminating.ts';
import { type Cluster, connectCluster } from '../cluster/connect.ts';
import { httpStatus } from '../cluster/errors.ts';
import { takeEarly } from '../cluster/early.ts';
import { ensureNamespace } from '../cluster/namespaces.ts';
import type { RawObject } from '../cluster/watch.ts';
import { resolveEnvironment } from '../config/resolve.ts';
import type { ResolvedApp } from '../config/resolved.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { BerthError, ExitCode, UsageError } from '../errors.ts';
import { ANNOTATION, environmentLabels, LABEL } from '../model/labels.ts';
import { databaseSecretName } from '../model/names.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { type AppliedApp, applyApp, clusterScopedWarning, imagesOf, pruneApp, type RolloutContext, watchApp, type WatchOutcome } from './app-rollout.ts';
import { type Diagnosis, diagnose } from './diagnose.ts';
import type { Emit } from './events.ts';
import { runHealthCheck, type HealthCheck } from './health-check.ts';
import { type EarlyReads, type DeployInputs, readDeployInputs, readFirst } from './early-reads.ts';
import { acquireLock, type HeldLock } from './lock.ts';
import { attemptPrepare } from './prepare-release.ts';
import type { pinConfigAndSecrets } from './pin.ts';
import { comparable, diffObjects, type FieldChange, noopApplies, pruneCandidates, untouchedSinceApplied } from './plan.ts';
import {
  createRelease,
  currentRelease,
  DEFAULT_HISTORY,
  getRelease,
  markReleaseInterrupted,
  type Promotion,
  type Release,
  type ReleaseSummary,
  trimHistory,
  updateRelease,
} from './releases.ts';
import { rollbackTo } from './rollback.ts';
import { RolloutWatcher } from './rollout-watcher.ts';
import { type RuntimeChange, writeRuntimeEnv, writeRuntimeScale, writeSecretData } from './runtime-values.ts';
import { completeTags } from './tags.ts';
import type { Failure } from './verdict.ts';

/** How long a deploy waits for its namespace or a volume that is being deleted to go. */
const TERMINATING_WAIT_MS = 120_000;

export interface DeployRequest {
  config: ParsedConfig;
  environment: string;
  /** Only these apps; all enabled apps of the environment when empty. */
  apps: string[];
  /** `--tag APP=T` per app, and `--tag T` for every app without a tag pinned in the config. */
  tags: Record<string, string>;
  defaultTag?: string;
  /** berth's own deadline per rollout; default: 5 minutes, or longer when a startupTimeout needs it. */
  timeoutMs?: number;
  rollback: boolean;
  dryRun: boolean;
  lockWaitMs: number;
  restart: boolean;
  forceConflicts: boolean;
  message?: string;
  gitSha?: string;
  /** For the lock holder's description: `berth deploy api --tag v2`. */
  command: string;
  /** A `berth config set` / `berth secret set`: the values to release with the app (written to their source once it is healthy). */
  change?: RuntimeChange;
  /** `berth promote`: where each app's build comes from, recorded with its release. */
  promotedFrom?: Record<string, Promotion>;
  kubeconfig?: string;
  /** First reads already under way (cluster/early.ts), used when they are for this environment. */
  early?: EarlyReads;
  /** Who to record in the release and the lock (the admin page's `web:<user>`); default: the API server's name for the kubeconfig's user. */
  user?: string;
  /**
   * Opens the database admin connection (for apps with `database: true`). `unavailable` says why
   * there is no admin credential here (a CI deployer usually has none): deploy then goes on when
   * the app's database Secret exists, and stops before applying anything when it does not.
   */
  ensureDatabase?: (app: string) => Promise<{ database: string; created: boolean } | { database: string; unavailable: string }>;
  /** A verified backup of the app's database before its migrations run; absent with --skip-backup. */
  backupBeforeMigrate?: (app: string) => Promise<{ taken: true; id: string; restoreCommand: string } | { taken: false; reason: string }>;
  /** Reads the notification webhook, when one is configured. */
  webhook?: () => Promise<string | undefined>;
  signal: AbortSignal;
  emit: Emit;
}

export type AppOutcome =
  | { app: string; outcome: 'deployed'; revision: number; tag: string }
  | { app: string; outcome: 'unchanged'; revision: number | undefined; tag: string }
  | {
      app: string;
      outcome: 'rolled-back';
      revision: number;
      failedRevision: number;
      rollbackRevision: number;
      rollbackOk: boolean;
      diagnosis: Diagnosis;
      interrupted?: boolean;
      /** The backup taken before the failed release's migrations, to restore if they did harm. */
      backup?: string;
    }
  | { app: string; outcome: 'failed'; revision: number | undefined; diagnosis: Diagnosis; interrupted?: boolean };

export interface DeployResult {
  environment: string;
  namespace: string;
  apps: AppOutcome[];
  dryRun?: { changes: PlannedChange[] };
  interrupted: boolean;
}

export interface PlannedChange {
  object: string;
  action: 'create' | 'update' | 'delete';
  fields: FieldChange[];
}

export async function deploy(request: DeployRequest): Promise<DeployResult> {
  const resolved = resolveEnvironment(request.config, request.environment);
  const enabled = resolved.apps.map((a) => a.name);
  const unknown = request.apps.filter((a) => !enabled.includes(a));
  if (unknown.length) {
    throw new UsageError(`Unknown app${unknown.length > 1 ? 's' : ''} in ${request.environment}: ${unknown.join(', ')}`, {
      hint: `Apps in ${request.environment}: ${enabled.join(', ') || 'none'}.`,
    });
  }
  const selected = request.apps.length ? request.apps : enabled;
  const namespace = resolved.namespace;
  const context = request.config.cluster?.context;
  // A deploy for someone else (the admin page's user) reads who it is for from the request.
  const reuse = await takeEarly(request.early, { environment: request.environment, namespace, context }, !request.user);
  const cluster = reuse?.cluster ?? connectCluster({ context, kubeconfig: request.kubeconfig });
  // The rollout watches list and connect while the deploy reads, waits for its lock, checks and
  // applies (read-only: a deploy that stops before applying has only watched).
  const watcher = request.dryRun
    ? undefined
    : new RolloutWatcher(cluster, namespace, `${LABEL.environment}=${request.environment}`, {
        onReconnect: (reason) => request.emit({ type: 'reconnect', reason }),
      });
  const watching = watcher?.start();
  watching?.catch(() => undefined);
  let lock: HeldLock | undefined;
  const finishing: Promise<Error | undefined>[] = [];
  try {
    const readAgain = () => readDeployInputs(cluster, namespace, request.environment);
    // Read what runs (so apps not given a tag keep theirs; render, pure, refuses anything else),
    // the values and history the release is made from, who is deploying, and the lock's version
    // (to know whether a deploy ran before ours took it).
    const first = await (reuse?.reads ?? readFirst(cluster, namespace, request.environment, request.user));
    const { user, lock: lockSeen } = first;
    let reads: DeployInputs = first;
    let live = reads.live;
    // The namespace or a volume still being deleted (deleted just before this deploy) would take
    // what is applied to it along: wait for it to go, then create it afresh.
    const going = request.dryRun ? [] : terminating(live.values());
    if (going.length > 0) {
      request.emit({ type: 'warning', message: `waiting for ${going.map(describeObject).join(', ')} to finish being deleted` });
      await waitUntilGone(cluster, going, { timeoutMs: TERMINATING_WAIT_MS, signal: request.signal });
      reads = await readAgain();
      live = reads.live;
    }
    const tagsOf = (running: ReadonlyMap<string, RawObject>) =>
      completeTags(request.config, request.environment, selected, { tags: request.tags, defaultTag: request.defaultTag }, runningTags(running)).tags;
    let tags = tagsOf(live);

    // berth's objects in it prove the namespace exists; the lock lives there.
    if (!request.dryRun && live.size === 0) await ensureNamespace(cluster, namespace, environmentLabels(request.environment));
    // The lock is asked for once the reads are answered, not beside them: a write while they are on
    // their way makes the API server's caches wait for etcd to confirm they are fresh (up to 0.1 s).
    const locking = request.dryRun
      ? undefined
      : acquireLock(cluster, {
          namespace,
          environment: request.environment,
          user,
          command: request.command,
          waitMs: request.lockWaitMs,
          signal: request.signal,
          onWait: (holder) => request.emit({ type: 'lock-wait', holder }),
          // After a wait for something being deleted, the Lease read first may have gone with its namespace.
          ...(going.length > 0 ? {} : { since: lockSeen?.metadata.resourceVersion ?? null, seen: lockSeen }),
        });
    locking?.catch(() => undefined);
    // The release is rendered while the lock's write is on its way (sent first: the write goes out
    // in the turn after it is asked for). A deploy that finds the lock changed hands renders again
    // from what it reads then; what refuses is thrown once the lock is held, so it is released.
    if (locking) await new Promise(setImmediate);
    const attempt = () => attemptPrepare(request, resolved, selected, namespace, reads, live, tags);
    let prepared = attempt();
    lock = await locking;
    if (lock) request.emit({ type: 'locked', environment: request.environment });
    // Volumes a deleted claim left Released would never bind to the claim this deploy applies.
    for (const { volume, claim, patch } of request.dryRun ? [] : releasedVolumes(live.values())) {
      await freeVolume(cluster, volume, patch);
      request.emit({
        type: 'warning',
        message: `PersistentVolume ${volume.metadata.name} was left Released by a deleted claim: freed for ${claim} again (its data is kept)`,
      });
    }
    // A deploy (or `berth config set`) that ran while this one waited for the lock, or since it
    // read, changed what runs and the values: read them again, or this deploy would put back the
    // tags, objects and values it read before (and two `config set` at once would lose one).
    if (lock?.changedSince) {
      reads = await readAgain();
      live = reads.live;
      tags = tagsOf(live);
      prepared = attempt();
    }
    const { releases } = reads;
    // Only a deploy holding the lock knows a "deploying" release is dead.
    if (lock) await markInterrupted(cluster, namespace, releases);
    if ('refused' in prepared) throw prepared.refused;
    const { runtimeEnv, runtimeScale, secrets, shared, pinned, changedSecret } = prepared;
    const change = request.change;
    if (request.dryRun || !watcher) return await dryRun(cluster, request, resolved.namespace, live, shared, pinned, selected, enabled);

    // A server-side dry run of every object first: a field conflict, a refused object, a missing
    // CRD or permission stops the deploy here, with nothing applied. Objects berth applied exactly
    // so and no one has written since would not change: they are neither dry-run nor applied.
    const desired = [...shared.filter((o) => o.kind !== 'Namespace'), ...[...pinned.values()].flatMap((p) => p.objects)];
    // The namespace is no part of the dry run (the first deploy created it already), but one berth
    // applied exactly so is not applied again either.
    const untouched = untouchedSinceApplied([...shared.filter((o) => o.kind === 'Namespace'), ...desired], live);
    const checked = desired.filter((o) => !untouched.has(ref(o)));
    const apps = resolved.apps.filter((a) => selected.includes(a.name));
    // At most one object to write per app (a new tag: its Deployment) and nothing written before
    // them — no shared object, no database to create: each app's own apply is its check. A refused
    // one leaves its app as it was and fails that app alone, as a failed rollout would; when every
    // write is refused, nothing was applied and the refusal is the deploy's error, as after a dry run.
    const ownCheck =
      shared.every((o) => untouched.has(ref(o))) &&
      [...pinned.values()].every((p) => p.objects.filter((o) => !untouched.has(ref(o))).length <= 1) &&
      !apps.some((a) => a.database && !request.change);
    const preflight = ownCheck
      ? []
      : await applySet(cluster, checked, {
          live,
          dryRun: true,
          force: request.forceConflicts,
          // Every request shares one HTTP/2 connection: 20 apps' 200 objects go in a few round trips, not 25.
          concurrency: 32,
          // Reported when the real apply skips them.
          onClusterScopedForbidden: () => undefined,
        });
    // What the dry run found would not change is not sent again.
    const unchanged = new Map([...untouched, ...noopApplies(checked, preflight, live)]);

    // A config or secret change releases an app that runs already: its database exists.
    for (const app of apps.filter((a) => a.database && !request.change)) {
      if (!request.ensureDatabase) throw new BerthError(`${app.name} needs a database, but the config has no database server`);
      const result = await request.ensureDatabase(app.name);
      if ('unavailable' in result) {
        const secret = databaseSecretName(app);
        if (!secrets.has(secret)) {
          throw new BerthError(`${app.name} needs its database set up first, and this deploy cannot: ${result.unavailable}`, {
            hint: `Run \`berth db create ${app.name} --env ${request.environment}\` once with the database admin credential (it creates the database and writes Secret ${namespace}/${secret}), or give this deploy the credential. Nothing was applied.`,
          });
        }
        request.emit({
          type: 'database',
          app: app.name,
          database: result.database,
          created: false,
          unchecked: `${result.unavailable}; Secret ${secret} exists`,
        });
        continue;
      }
      request.emit({ type: 'database', app: app.name, database: result.database, created: result.created });
    }
    // The apps whose Deployment this deploy writes: their new pods run the migrations again.
    const written = ownCheck
      ? checked.map((o) => ({ kind: o.kind, labels: o.metadata.labels }))
      : preflight.filter((a) => a.changed).map((a) => ({ kind: a.object.kind, labels: a.object.metadata.labels as Record<string, string> | undefined }));
    const rolling = new Set(written.filter((o) => o.kind === 'Deployment').map((o) => o.labels?.[LABEL.app]));
    const backups = await backupsBeforeMigrating(request, apps, rolling);
    await applyShared(cluster, shared, live, unchanged, request);
    await watching;
    const ctx: RolloutContext = {
      cluster,
      namespace,
      watcher,
      live,
      dryRun: new Map(preflight.map((a) => [ref(a.object), a.object])),
      timeoutMs: request.timeoutMs ?? defaultTimeout(apps),
      force: request.forceConflicts,
      emit: request.emit,
      interrupt: request.signal,
    };
    // Without a dry run, an app whose one write is refused is left as it was (see ownCheck).
    const refusals = ownCheck ? new Map<string, BerthError>() : undefined;
    // Every app ends its rollout (or its rollback) before anything is reported: an error in one
    // leaves none of the others unwatched or "deploying".
    const settled = await Promise.allSettled(
      apps.map((app) =>
        deployApp(
          ctx,
          request,
          app,
          pinned.get(app.name)!,
          unchanged,
          refusals,
          {
            releases: releases.filter((r) => r.app === app.name),
            allReleases: releases,
            user,
            tag: tags[app.name] ?? app.tag,
            runtimeEnv: runtimeEnv[app.name],
            runtimeScale: runtimeScale[app.name],
            backup: backups.get(app.name),
          },
          finishing,
        ),
      ),
    );
    const broken = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (broken) throw broken.reason;
    const outcomes = settled.map((s) => (s as PromiseFulfilledResult<AppOutcome>).value);
    const refused = refusals?.values().next().value;
    if (refused && outcomes.every((o) => refusals!.has(o.app) || o.outcome === 'unchanged'))
      throw new BerthError(refused.message, { exitCode: refused.exitCode, hint: `Nothing was applied. ${refused.hint ?? ''}`.trim(), cause: refused.cause });
    // The changed values reach their source only with a healthy release.
    const changeOutcome = change && outcomes.find((o) => o.app === change.app);
    if (change && (changeOutcome?.outcome === 'deployed' || changeOutcome?.outcome === 'unchanged')) {
      if (change.kind === 'config') await writeRuntimeEnv(cluster, namespace, request.environment, change.app, runtimeEnv[change.app] ?? {});
      else if (change.kind === 'scale') await writeRuntimeScale(cluster, namespace, request.environment, change.app, runtimeScale[change.app] ?? {});
      else if (changedSecret) await writeSecretData(cluster, namespace, changedSecret, secrets.get(changedSecret) ?? {});
    }
    // Apps gone from the config go too, but only in a deploy of the whole environment.
    if (request.apps.length === 0 && !request.signal.aborted) {
      const removed = new Set(
        [...live.values()].map((o) => (o.metadata.labels as Record<string, string>)?.[LABEL.app]).filter((a): a is string => !!a && !enabled.includes(a)),
      );
      const candidates = pruneCandidates(live, new Set(), { removedApps: removed });
      if (candidates.size) {
        const result = await prune(cluster, candidates, new Set());
        request.emit({ type: 'pruned', objects: result.deleted, kept: result.kept });
      }
    }
    await notify(request, outcomes);
    await releaseWith(lock, finishing);
    return { environment: request.environment, namespace, apps: outcomes, interrupted: request.signal.aborted };
  } finally {
    watcher?.stop();
    await Promise.all([lock?.release(), ...finishing]);
  }
}

/**
 * Releases the lock with the apps' last record writes beside it, not after them: one write's wait
 * fewer at the end of every deploy. The next holder, should it read a record before its write
 * lands, leaves it as it is (markReleaseInterrupted). A failed write is thrown once all have ended.
 */
async function releaseWith(lock: HeldLock | undefined, finishing: Promise<Error | undefined>[]): Promise<void> {
  const [, ...written] = await Promise.all([lock?.release(), ...finishing]);
  const failed = written.find((error) => error !== undefined);
  if (failed) throw failed;
}

interface AppHistory {
  /** The app's releases, newest first: summaries (the rollback target's record is read when a rollback needs it). */
  releases: ReleaseSummary[];
  allReleases: ReleaseSummary[];
  user: string;
  tag: string;
  runtimeEnv: Record<string, string> | undefined;
  runtimeScale: Record<string, number> | undefined;
  /** The backup taken before this release's migrations. */
  backup: string | undefined;
}

/**
 * A verified backup of each app whose release will run its migrations (its pods change and it has
 * a migrate step and a database), before anything is applied. A failed backup stops the deploy.
 */
async function backupsBeforeMigrating(request: DeployRequest, apps: ResolvedApp[], rolling: ReadonlySet<string | undefined>): Promise<Map<string, string>> {
  const taken = new Map<string, string>();
  if (!request.backupBeforeMigrate) return taken;
  for (const app of apps.filter((a) => a.migrate && a.database && rolling.has(a.name))) {
    const result = await request.backupBeforeMigrate(app.name);
    request.emit({ type: 'backup', app: app.name, ...result });
    if (result.taken) taken.set(app.name, result.id);
  }
  return taken;
}

async function deployApp(
  ctx: RolloutContext,
  request: DeployRequest,
  app: ResolvedApp,
  pinned: ReturnType<typeof pinConfigAndSecrets>,
  unchanged: ReadonlyMap<string, string>,
  /** Set when each app writes one object at most (no dry run): its refused write is recorded here. */
  refusals: Map<string, BerthError> | undefined,
  history: AppHistory,
  /** The app's last writes, left to end beside the lock's release: each resolves to its error, if any. */
  finishing: Promise<Error | undefined>[],
): Promise<AppOutcome> {
  const previous = currentRelease(history.releases);
  if (request.signal.aborted) return { app: app.name, outcome: 'unchanged', revision: previous?.revision, tag: history.tag };
  const written: AppliedObject[] = [];
  let applied: AppliedApp;
  // A write the API server refused although its dry run passed (a hand edit or a webhook between
  // the two), or with no dry run before it (see ownCheck).
  let refused: BerthError | undefined;
  try {
    applied = await applyApp(ctx, pinned.objects, unchanged, written);
  } catch (error) {
    if (!(error instanceof BerthError) || !refusedByApiServer(error)) throw error;
    if (!written.some((a) => a.changed)) {
      refusals?.set(app.name, error);
      const diagnosis = refusedDiagnosis(app, error, 'nothing');
      ctx.emit({ type: 'failed', app: app.name, diagnosis });
      return { app: app.name, outcome: 'failed', revision: undefined, diagnosis };
    }
    // What went out before the refusal runs already: a failed release, rolled back like any other.
    refused = error;
    applied = { applied: written, changed: written.filter((a) => a.changed).length, deployments: [] };
  }
  const leftovers = pruneCandidates(ctx.live, new Set(pinned.objects.map(ref)), { apps: new Set([app.name]) });
  if (applied.changed === 0 && leftovers.size === 0 && previous) {
    ctx.emit({ type: 'unchanged', app: app.name, revision: previous.revision });
    return { app: app.name, outcome: 'unchanged', revision: previous.revision, tag: history.tag };
  }
  let release = await createRelease(
    ctx.cluster,
    {
      app: app.name,
      environment: app.environment,
      namespace: app.namespace,
      kind: request.promotedFrom?.[app.name]
        ? 'promote'
        : request.change?.app === app.name
          ? request.change.kind
          : request.restart && applied.changed === applied.deployments.length
            ? 'restart'
            : 'deploy',
      promotedFrom: request.promotedFrom?.[app.name],
      objects: pinned.objects,
      images: Object.fromEntries(app.processes.map((p) => [p.name, { image: p.image }])),
      tag: history.tag,
      configHash: pinned.configHash,
      secretsHash: pinned.secretsHash,
      user: history.user,
      createdAt: new Date().toISOString(),
      message: request.message,
      gitSha: request.gitSha,
      result: 'deploying',
      runtimeEnv: history.runtimeEnv && Object.keys(history.runtimeEnv).length ? history.runtimeEnv : undefined,
      runtimeScale: history.runtimeScale && Object.keys(history.runtimeScale).length ? history.runtimeScale : undefined,
      backup: history.backup,
    },
    history.allReleases,
  );
  ctx.emit({ type: 'release', app: app.name, revision: release.revision, kind: release.kind, result: 'deploying' });

  let outcome: WatchOutcome = refused
    ? {
        ok: false,
        process: app.processes[0]?.name ?? 'web',
        deployment: app.processes[0]?.objectName ?? app.name,
        failure: { code: 'refused', message: refused.message },
        replicaSet: undefined,
      }
    : await watchApp(ctx, app.name, applied.deployments, release.revision);
  let failure: Failure | undefined = outcome.ok ? undefined : outcome.failure;
  if (outcome.ok) {
    const check = healthCheckFor(request.config, app);
    if (check) {
      const result = await runHealthCheck(check, request.signal).catch(() => ({
        ok: false as const,
        failure: { code: 'health-check' as const, message: 'interrupted' },
      }));
      ctx.emit({ type: 'health', app: app.name, url: check.url, ok: result.ok, detail: result.ok ? `answered ${result.status}` : result.failure.message });
      if (!result.ok) {
        failure = result.failure;
        outcome = { ok: false, process: 'web', deployment: app.processes[0]?.objectName ?? app.name, failure, replicaSet: undefined };
      }
    }
  }

  if (outcome.ok) {
    const succeeded: Release = {
      ...release,
      result: 'succeeded',
      finishedAt: new Date().toISOString(),
      images: imagesOf(pinned.objects, (d) => ctx.watcher.podsOf(d)),
    };
    // The record, and the trimming of records beyond the history, go out beside the lock's release
    // (releaseWith); what the release left behind is pruned under the lock, meanwhile.
    finishing.push(
      Promise.all([
        updateRelease(ctx.cluster, succeeded),
        trimHistory(ctx.cluster, ctx.namespace, [succeeded, ...history.releases], request.config.releaseHistory ?? DEFAULT_HISTORY).catch(() => 0),
      ]).then(
        () => {
          ctx.emit({ type: 'release', app: app.name, revision: succeeded.revision, kind: succeeded.kind, result: 'succeeded' });
          return undefined;
        },
        (error: unknown) => error as Error,
      ),
    );
    await pruneApp(ctx, app.name, pinned.objects);
    return { app: app.name, outcome: 'deployed', revision: succeeded.revision, tag: history.tag };
  }

  const process = app.processes.find((p) => p.name === outcome.process) ?? app.processes[0];
  const image = imagesOf(pinned.objects, () => [])[outcome.process]?.image ?? app.image;
  const interrupted = outcome.interrupted === true;
  const diagnosis: Diagnosis = interrupted
    ? { app: app.name, process: outcome.process, cause: 'Interrupted (Ctrl-C) before the rollout finished.', failure: failure!, events: [], next: [] }
    : refused
      ? refusedDiagnosis(app, refused, 'part')
      : await diagnose(ctx.cluster, failure!, {
          app: app.name,
          process: outcome.process,
          namespace: app.namespace,
          environment: app.environment,
          image,
          healthPath: process?.health.path,
          port: process?.port,
          memoryLimit: process?.resources.limits.memory,
          replicaSet: outcome.replicaSet,
        });
  if (!interrupted) ctx.emit({ type: 'failed', app: app.name, diagnosis });
  release = { ...release, result: interrupted ? 'interrupted' : 'failed', finishedAt: new Date().toISOString(), diagnosis };
  const target = request.rollback ? await rollbackTarget(ctx, app.name, history.releases) : undefined;
  if (!target) {
    await updateRelease(ctx.cluster, release);
    if (request.rollback) ctx.emit({ type: 'warning', message: `${app.name} has no earlier release to roll back to: its failed objects stay as they are` });
    return { app: app.name, outcome: 'failed', revision: release.revision, diagnosis, interrupted };
  }
  ctx.emit({ type: 'rollback', app: app.name, from: release.revision, to: target.revision });
  const rolled = await rollbackTo(ctx, {
    target,
    releases: [release, ...history.allReleases],
    user: history.user,
    message: `automatic rollback: r${release.revision} ${interrupted ? 'was interrupted' : 'failed'}${history.backup ? `; backup before its migrations: ${history.backup}` : ''}`,
  }).catch(async (error: unknown) => {
    // The failed release is recorded as failed, not left "deploying", whatever stopped its rollback.
    await updateRelease(ctx.cluster, release).catch(() => undefined);
    throw new BerthError(`${app.name} r${release.revision} failed, and its rollback to r${target.revision} did not finish: ${(error as Error).message}`, {
      exitCode: error instanceof BerthError ? error.exitCode : ExitCode.failure,
      hint: `${error instanceof BerthError && error.hint ? `${error.hint} ` : ''}Then \`berth rollback ${app.name} --to ${target.revision} --env ${app.environment}\` puts r${target.revision} back; \`berth history ${app.name}\` has the failed release's diagnosis.`,
      cause: error,
    });
  });
  release = { ...release, rolledBackBy: rolled.release.revision };
  await updateRelease(ctx.cluster, release);
  return {
    app: app.name,
    outcome: 'rolled-back',
    revision: target.revision,
    failedRevision: release.revision,
    rollbackRevision: rolled.release.revision,
    rollbackOk: rolled.ok,
    diagnosis,
    interrupted,
    backup: history.backup,
  };
}

/**
 * The write was refused, so nothing was written: the API server answered no (conflict, invalid,
 * forbidden, denied by a webhook), or the kind is unknown to the cluster. Not a lost connection,
 * rejected credentials or a busy server: those may say nothing of what was written, or of the
 * other apps' writes.
 */
function refusedByApiServer(error: BerthError): boolean {
  const status = httpStatus(error.cause);
  if (status === undefined) return error.exitCode === ExitCode.failure;
  return status >= 400 && status < 500 && ![401, 408, 429].includes(status);
}

/** `nothing`: none of the app's objects was written; `part`: those before the refused one were. */
function refusedDiagnosis(app: ResolvedApp, error: BerthError, written: 'nothing' | 'part'): Diagnosis {
  const what =
    written === 'nothing'
      ? `Nothing of ${app.name} was applied: it runs its last release still.`
      : `The API server accepted this release's dry run, then refused this write; ${app.name}'s objects sent before it were applied.`;
  return {
    app: app.name,
    process: app.processes[0]?.name ?? 'web',
    cause: `${error.message}. ${what}${error.hint ? ` ${error.hint}` : ''}`,
    failure: { code: 'refused', message: error.message },
    events: [],
    next: [],
  };
}

/** The newest release that succeeded, read in full; an older one when its record is gone or damaged. */
async function rollbackTarget(ctx: RolloutContext, app: string, releases: ReleaseSummary[]): Promise<Release | undefined> {
  for (const summary of releases.filter((r) => r.result === 'succeeded')) {
    const record = await getRelease(ctx.cluster, ctx.namespace, app, summary.revision);
    if (record) return record;
  }
  return undefined;
}

/**
 * The environment's own objects. A deployer limited to its namespace cannot write the Namespace
 * object (cluster-scoped): it exists, since the deployer works inside it, so that is a warning.
 */
async function applyShared(
  cluster: Cluster,
  shared: KubeObject[],
  live: ReadonlyMap<string, RawObject>,
  unchanged: ReadonlyMap<string, string>,
  request: DeployRequest,
): Promise<void> {
  await applySet(cluster, shared, { live, force: request.forceConflicts, unchanged, onClusterScopedForbidden: clusterScopedWarning(request.emit) });
}

/** A deploy that died (SIGKILL) leaves its release "deploying"; the next one, holding the lock, knows better. */
async function markInterrupted(cluster: Cluster, namespace: string, releases: ReleaseSummary[]): Promise<void> {
  for (const summary of releases.filter((r) => r.result === 'deploying')) {
    const release = await markReleaseInterrupted(cluster, namespace, summary.app, summary.revision);
    summary.result = release?.result === 'deploying' || !release ? 'interrupted' : release.result;
    summary.finishedAt = release?.finishedAt;
  }
}

function runningTags(live: ReadonlyMap<string, RawObject>): Map<string, string> {
  const tags = new Map<string, string>();
  for (const object of live.values()) {
    if (object.kind !== 'Deployment') continue;
    const app = (object.metadata.labels as Record<string, string> | undefined)?.[LABEL.app];
    const tag = (object.metadata.annotations as Record<string, string> | undefined)?.[ANNOTATION.imageTag];
    if (app && tag && !tags.has(app)) tags.set(app, tag);
  }
  return tags;
}

function healthCheckFor(config: ParsedConfig, app: ResolvedApp): HealthCheck | undefined {
  const setting = config.apps[app.name]?.health?.check;
  if (!setting) return undefined;
  const web = app.processes.find((p) => p.name === 'web');
  const explicit = typeof setting === 'object' ? setting.url : undefined;
  const domain = web?.domains[0];
  const url = explicit ?? (domain ? `https://${domain}${web?.health.path ?? '/'}` : undefined);
  if (!url) return undefined;
  return {
    url,
    expectStatus: typeof setting === 'object' ? setting.expectStatus : undefined,
    retries: typeof setting === 'object' ? (setting.retries ?? 3) : 3,
    intervalMs: 2000,
    timeoutMs: 5000,
  };
}

export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** Five minutes, unless a process may take longer to boot (its startup probe allows startupTimeout). */
export function defaultTimeout(apps: ResolvedApp[]): number {
  const slowest = Math.max(0, ...apps.flatMap((a) => a.processes.map((p) => p.health.startupTimeout)));
  return Math.max(DEFAULT_TIMEOUT_MS, (slowest + 60) * 1000);
}

async function notify(request: DeployRequest, outcomes: AppOutcome[]): Promise<void> {
  const changed = outcomes.filter((o) => o.outcome !== 'unchanged');
  if (changed.length === 0 || !request.webhook) return;
  const failed = changed.some((o) => o.outcome === 'failed' || o.outcome === 'rolled-back');
  if (!failed && request.config.notifications?.only === 'failures') return;
  let url: string | undefined;
  try {
    url = await request.webhook();
  } catch (error) {
    request.emit({ type: 'warning', message: `notification not sent: ${(error as Error).message}` });
    return;
  }
  if (!url) return;
  const { notifySlack } = await import('./notify.ts');
  const text = changed.map((o) => describeOutcome(o)).join('; ');
  const sent = await notifySlack(url, { environment: request.environment, text, ok: !failed });
  if (!sent.ok) request.emit({ type: 'warning', message: `notification not sent (${sent.error}); the deploy result stands` });
}

export function describeOutcome(o: AppOutcome): string {
  switch (o.outcome) {
    case 'deployed':
      return `${o.app} ${o.tag} deployed (r${o.revision})`;
    case 'unchanged':
      return `${o.app} unchanged${o.revision ? ` (r${o.revision})` : ''}`;
    case 'rolled-back':
      return `${o.app} r${o.failedRevision} ${o.interrupted ? 'was interrupted' : 'failed'} and was rolled back to r${o.revision} (now r${o.rollbackRevision}${o.rollbackOk ? '' : ', which is not healthy either'}): ${o.diagnosis.cause}`;
    case 'failed':
      return `${o.app} ${o.interrupted ? 'interrupted' : 'failed'}${o.revision ? ` (r${o.revision})` : ''}: ${o.diagnosis.cause}`;
  }
}

async function dryRun(
  cluster: Cluster,
  request: DeployRequest,
  namespace: string,
  live: ReadonlyMap<string, RawObject>,
  shared: KubeObject[],
  pinned: Map<string, ReturnType<typeof pinConfigAndSecrets>>,
  selected: string[],
  enabled: string[],
): Promise<DeployResult> {
  const objects = [...shared, ...[...pinned.values()].flatMap((p) => p.objects)];
  // A namespace not created yet cannot take a dry run of its objects; they would all be created.
  // The Namespace is not always among the objects listed as live: read it to compare it too. A
  // deployer limited to the namespace may not read it (403), but works inside it.
  let namespaceExists = live.size > 0;
  const liveNamespace = await cluster.objects.getRaw<RawObject>(`/api/v1/namespaces/${namespace}`).then(
    (found) => ({ ...found, apiVersion: 'v1', kind: 'Namespace' }),
    (error) => {
      if (httpStatus(error) === 403) namespaceExists = true;
      return undefined;
    },
  );
  if (liveNamespace) namespaceExists = true;
  const compared = new Map(live);
  if (liveNamespace) compared.set(ref(liveNamespace), liveNamespace);
  // Cluster-scoped objects these credentials may not write (or read) are an admin's: not planned here.
  const skipped = new Set<string>();
  const planned = namespaceExists
    ? await applySet(cluster, objects, {
        live,
        dryRun: true,
        force: request.forceConflicts,
        onClusterScopedForbidden: (object) => skipped.add(ref(object)),
      })
    : objects.map((o) => ({ object: o as unknown as RawObject, before: undefined, changed: true }));
  const changes: PlannedChange[] = [];
  for (const { object } of planned) {
    if (skipped.has(ref(object))) continue;
    const before = compared.get(ref(object));
    if (!before) {
      changes.push({ object: ref(object), action: 'create', fields: [] });
      continue;
    }
    const fields = diffObjects(comparable(before), comparable(object), object.kind === 'Secret');
    if (fields.length) changes.push({ object: ref(object), action: 'update', fields });
  }
  const keep = new Set(objects.map(ref));
  const removed = request.apps.length
    ? new Set<string>()
    : new Set(
        [...live.values()].map((o) => (o.metadata.labels as Record<string, string>)?.[LABEL.app]).filter((a): a is string => !!a && !enabled.includes(a)),
      );
  for (const [key] of pruneCandidates(live, keep, { apps: new Set(selected), removedApps: removed }))
    changes.push({ object: key, action: 'delete', fields: [] });
  return { environment: request.environment, namespace, apps: [], dryRun: { changes }, interrupted: false };
}
