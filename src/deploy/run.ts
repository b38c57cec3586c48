/**
 * `berth deploy`: validate → render → lock → namespace and databases → apply (server-side, berth's
 * field manager) → watch every rollout with berth's own verdict → health check → record the
 * release → prune → notify → unlock. Apps deploy in parallel; an app that fails is rolled back on
 * its own (the whole release: images, env, secrets, objects) and the others keep their new one.
 */
import { applySet, listManaged, prune, ref } from '../cluster/apply-set.ts';
import { type Cluster, connectCluster } from '../cluster/connect.ts';
import { ensureNamespace } from '../cluster/namespaces.ts';
import { whoAmI } from '../cluster/whoami.ts';
import type { RawObject } from '../cluster/watch.ts';
import { resolveEnvironment } from '../config/resolve.ts';
import type { ResolvedApp } from '../config/resolved.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { BerthError, UsageError } from '../errors.ts';
import { ANNOTATION, environmentLabels, LABEL, MANAGED_BY } from '../model/labels.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { render } from '../render/index.ts';
import { applyApp, imagesOf, pruneApp, type RolloutContext, watchApp } from './app-rollout.ts';
import { type Diagnosis, diagnose } from './diagnose.ts';
import type { Emit } from './events.ts';
import { runHealthCheck, type HealthCheck } from './health-check.ts';
import { acquireLock, currentUser, DEFAULT_LEASE_SECONDS } from './lock.ts';
import { pinConfigAndSecrets } from './pin.ts';
import { comparable, diffObjects, type FieldChange, noopApplies, pruneCandidates, splitByApp, withRestart } from './plan.ts';
import { createRelease, currentRelease, DEFAULT_HISTORY, listReleases, type Release, trimHistory, updateRelease } from './releases.ts';
import { rollbackTo } from './rollback.ts';
import { RolloutWatcher } from './rollout-watcher.ts';
import { completeTags } from './tags.ts';
import type { Failure } from './verdict.ts';

export interface DeployRequest {
  config: ParsedConfig;
  environment: string;
  /** Only these apps; all enabled apps of the environment when empty. */
  apps: string[];
  tags: Record<string, string>;
  timeoutMs: number;
  rollback: boolean;
  dryRun: boolean;
  lockWaitMs: number;
  restart: boolean;
  forceConflicts: boolean;
  message?: string;
  gitSha?: string;
  /** For the lock holder's description: `berth deploy api --tag v2`. */
  command: string;
  kubeconfig?: string;
  /** Opens the database admin connection (for apps with `database: true`). */
  ensureDatabase?: (app: string) => Promise<{ database: string; created: boolean }>;
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
  const cluster = connectCluster({ context: request.config.cluster?.context, kubeconfig: request.kubeconfig });
  const envLabels = { [LABEL.managedBy]: MANAGED_BY, [LABEL.environment]: request.environment };

  // Read what runs, so apps not given a tag keep theirs; render (pure) refuses anything else.
  const [live, user, secrets] = await Promise.all([
    listManaged(cluster, namespace, envLabels).catch((error: BerthError) => {
      // A namespace that does not exist yet simply has nothing running.
      if (/not found/i.test(error.message)) return new Map<string, RawObject>();
      throw error;
    }),
    whoAmI(cluster).catch(() => currentUser()),
    readSecrets(cluster, namespace),
  ]);
  const { tags } = completeTags(request.config, request.environment, selected, request.tags, runningTags(live));
  const rendered = render(request.config, request.environment, { apps: request.apps.length ? request.apps : undefined, tags });
  const { shared, byApp } = splitByApp(request.restart ? withRestart(rendered, new Date().toISOString()) : rendered);
  // Everything that can refuse does so before anything is applied: missing secrets here, bad
  // objects in the dry run below.
  const pinned = new Map(selected.map((app) => [app, pinConfigAndSecrets(app, byApp.get(app) ?? [], (name) => secrets.get(name))]));

  // berth's objects in it prove the namespace exists; the lock lives there.
  if (!request.dryRun && live.size === 0) await ensureNamespace(cluster, namespace, environmentLabels(request.environment));
  const lock = request.dryRun
    ? undefined
    : await acquireLock(cluster, {
        namespace,
        environment: request.environment,
        user,
        command: request.command,
        waitMs: request.lockWaitMs,
        signal: request.signal,
        leaseSeconds: leaseSeconds(),
        onWait: (holder) => request.emit({ type: 'lock-wait', holder }),
      });
  if (lock) request.emit({ type: 'locked', environment: request.environment });
  // The rollout watches list and connect while the deploy reads, checks and applies.
  const watcher = request.dryRun
    ? undefined
    : new RolloutWatcher(cluster, namespace, `${LABEL.environment}=${request.environment}`, {
        onReconnect: (reason) => request.emit({ type: 'reconnect', reason }),
      });
  const watching = watcher?.start();
  watching?.catch(() => undefined);
  try {
    if (request.dryRun || !watcher) return await dryRun(cluster, request, resolved.namespace, live, shared, pinned, selected, enabled);

    // A server-side dry run of every object first: a field conflict, a refused object, a missing
    // CRD or permission stops the deploy here, with nothing applied. The releases are read
    // meanwhile: only now, holding the lock, is a release left "deploying" known to be dead.
    const checked = [...shared.filter((o) => o.kind !== 'Namespace'), ...[...pinned.values()].flatMap((p) => p.objects)];
    const [releases, preflight] = await Promise.all([
      listReleases(cluster, namespace).then(async (releases) => {
        await markInterrupted(cluster, releases);
        return releases;
      }),
      applySet(cluster, checked, { live, dryRun: true, force: request.forceConflicts }),
    ]);
    // What the dry run found would not change is not sent again.
    const unchanged = noopApplies(checked, preflight, live);

    const apps = resolved.apps.filter((a) => selected.includes(a.name));
    for (const app of apps.filter((a) => a.database)) {
      if (!request.ensureDatabase) throw new BerthError(`${app.name} needs a database, but the config has no database server`);
      const result = await request.ensureDatabase(app.name);
      request.emit({ type: 'database', app: app.name, database: result.database, created: result.created });
    }
    await applyShared(cluster, shared, live, unchanged, request);
    await watching;
    const ctx: RolloutContext = {
      cluster,
      namespace,
      watcher,
      live,
      timeoutMs: request.timeoutMs,
      force: request.forceConflicts,
      emit: request.emit,
      interrupt: request.signal,
    };
    const outcomes = await Promise.all(
      apps.map((app) =>
        deployApp(ctx, request, app, pinned.get(app.name)!, unchanged, {
          releases: releases.filter((r) => r.app === app.name),
          allReleases: releases,
          user,
          tag: tags[app.name] ?? app.tag,
        }),
      ),
    );
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
    return { environment: request.environment, namespace, apps: outcomes, interrupted: request.signal.aborted };
  } finally {
    watcher?.stop();
    await lock?.release();
  }
}

interface AppHistory {
  releases: Release[];
  allReleases: Release[];
  user: string;
  tag: string;
}

async function deployApp(
  ctx: RolloutContext,
  request: DeployRequest,
  app: ResolvedApp,
  pinned: ReturnType<typeof pinConfigAndSecrets>,
  unchanged: ReadonlyMap<string, string>,
  history: AppHistory,
): Promise<AppOutcome> {
  const previous = currentRelease(history.releases);
  if (request.signal.aborted) return { app: app.name, outcome: 'unchanged', revision: previous?.revision, tag: history.tag };
  const applied = await applyApp(ctx, pinned.objects, unchanged);
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
      kind: request.restart && applied.changed === applied.deployments.length ? 'restart' : 'deploy',
      objects: pinned.objects,
      images: Object.fromEntries(app.processes.map((p) => [p.name, { image: app.image }])),
      tag: history.tag,
      configHash: pinned.configHash,
      secretsHash: pinned.secretsHash,
      user: history.user,
      createdAt: new Date().toISOString(),
      message: request.message,
      gitSha: request.gitSha,
      result: 'deploying',
    },
    history.allReleases,
  );
  ctx.emit({ type: 'release', app: app.name, revision: release.revision, kind: release.kind, result: 'deploying' });

  let outcome = await watchApp(ctx, app.name, applied.deployments, release.revision);
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
    await pruneApp(ctx, app.name, pinned.objects);
    release = { ...release, result: 'succeeded', finishedAt: new Date().toISOString(), images: imagesOf(pinned.objects, (d) => ctx.watcher.podsOf(d)) };
    await updateRelease(ctx.cluster, release);
    ctx.emit({ type: 'release', app: app.name, revision: release.revision, kind: release.kind, result: 'succeeded' });
    await trimHistory(ctx.cluster, [release, ...history.releases], request.config.releaseHistory ?? DEFAULT_HISTORY).catch(() => 0);
    return { app: app.name, outcome: 'deployed', revision: release.revision, tag: history.tag };
  }

  const process = app.processes.find((p) => p.name === outcome.process) ?? app.processes[0];
  const image = imagesOf(pinned.objects, () => [])[outcome.process]?.image ?? app.image;
  const interrupted = outcome.interrupted === true;
  const diagnosis: Diagnosis = interrupted
    ? { app: app.name, process: outcome.process, cause: 'Interrupted (Ctrl-C) before the rollout finished.', failure: failure!, events: [], next: [] }
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
  if (!request.rollback || !previous) {
    await updateRelease(ctx.cluster, release);
    if (!previous && request.rollback)
      ctx.emit({ type: 'warning', message: `${app.name} has no earlier release to roll back to: its failed objects stay as they are` });
    return { app: app.name, outcome: 'failed', revision: release.revision, diagnosis, interrupted };
  }
  ctx.emit({ type: 'rollback', app: app.name, from: release.revision, to: previous.revision });
  const rolled = await rollbackTo(ctx, {
    target: previous,
    releases: [release, ...history.allReleases],
    user: history.user,
    message: `automatic rollback: r${release.revision} ${interrupted ? 'was interrupted' : 'failed'}`,
  });
  release = { ...release, rolledBackBy: rolled.release.revision };
  await updateRelease(ctx.cluster, release);
  return {
    app: app.name,
    outcome: 'rolled-back',
    revision: previous.revision,
    failedRevision: release.revision,
    rollbackRevision: rolled.release.revision,
    rollbackOk: rolled.ok,
    diagnosis,
    interrupted,
  };
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
  const namespace = shared.filter((o) => o.kind === 'Namespace');
  // The namespace exists by now (ensureNamespace), so its objects need not wait for its labels.
  const labelled = applySet(cluster, namespace, { live, force: request.forceConflicts }).catch((error: Error) => {
    if (!/forbidden/.test(error.message)) throw error;
    request.emit({ type: 'warning', message: `the namespace's labels were not updated: ${error.message.replace(/^Could not /, '')}` });
  });
  await Promise.all([
    labelled,
    applySet(
      cluster,
      shared.filter((o) => o.kind !== 'Namespace'),
      { live, force: request.forceConflicts, unchanged },
    ),
  ]);
}

/** A deploy that died (SIGKILL) leaves its release "deploying"; the next one, holding the lock, knows better. */
async function markInterrupted(cluster: Cluster, releases: Release[]): Promise<void> {
  for (const release of releases.filter((r) => r.result === 'deploying')) {
    release.result = 'interrupted';
    release.finishedAt ??= new Date().toISOString();
    await updateRelease(cluster, release);
  }
}

async function readSecrets(cluster: Cluster, namespace: string): Promise<Map<string, Record<string, string>>> {
  const list = await cluster.objects
    .listRaw<{ metadata: { name: string }; data?: Record<string, string>; type?: string }>('v1', 'Secret', { namespace, fieldSelector: 'type=Opaque' })
    .catch(() => ({ items: [] }));
  return new Map(list.items.map((s) => [s.metadata.name, s.data ?? {}]));
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

function leaseSeconds(): number {
  const fromEnv = Number(process.env.BERTH_LOCK_SECONDS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_LEASE_SECONDS;
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
  const namespaceExists =
    live.size > 0 ||
    (await cluster.core.readNamespace({ name: namespace }).then(
      () => true,
      () => false,
    ));
  const planned = namespaceExists
    ? await applySet(cluster, objects, { live, dryRun: true, force: request.forceConflicts })
    : objects.map((o) => ({ object: o as unknown as RawObject, before: undefined, changed: true }));
  const changes: PlannedChange[] = [];
  for (const { object } of planned) {
    const before = live.get(ref(object));
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
