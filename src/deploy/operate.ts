/**
 * The release commands beside deploy: rollback to a revision, read the history, diagnose an app
 * as it runs now, and inspect or clear the deploy lock. Each is a library call the CLI and the
 * admin page share.
 */
import { listManaged } from '../cluster/apply-set.ts';
import { type Cluster, connectCluster } from '../cluster/connect.ts';
import { whoAmI } from '../cluster/whoami.ts';
import { resolveEnvironment } from '../config/resolve.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { BerthError, ExitCode, UsageError } from '../errors.ts';
import { LABEL, MANAGED_BY } from '../model/labels.ts';
import { closest } from '../suggest.ts';
import type { Deployment, Pod, ReplicaSet } from '../model/workloads.ts';
import { isPodReady } from '../model/workloads.ts';
import type { RolloutContext } from './app-rollout.ts';
import { type Diagnosis, diagnose } from './diagnose.ts';
import type { Emit } from './events.ts';
import { acquireLock, currentUser } from './lock.ts';
import { currentRelease, listReleases, type Release } from './releases.ts';
import { rollbackTo } from './rollback.ts';
import { restoreSources } from './runtime-values.ts';
import { RolloutWatcher } from './rollout-watcher.ts';
import { type Failure, rolloutVerdict } from './verdict.ts';

export interface EnvironmentTarget {
  config: ParsedConfig;
  environment: string;
  kubeconfig?: string;
}

export function openEnvironment(target: EnvironmentTarget): { cluster: Cluster; namespace: string } {
  const resolved = resolveEnvironment(target.config, target.environment);
  return { cluster: connectCluster({ context: target.config.cluster?.context, kubeconfig: target.kubeconfig }), namespace: resolved.namespace };
}

/** An app named on the command line must be one the config knows (releases of removed apps stay readable). */
export function checkApp(config: ParsedConfig, app: string, releases: Release[]): void {
  if (config.apps[app] || releases.some((r) => r.app === app)) return;
  const closestApp = closest(app, Object.keys(config.apps));
  throw new UsageError(`No app "${app}" in the config${closestApp ? ` — did you mean "${closestApp}"?` : ''}`, {
    hint: `Apps: ${Object.keys(config.apps).join(', ')}.`,
  });
}

export async function history(target: EnvironmentTarget, app: string): Promise<Release[]> {
  const { cluster, namespace } = openEnvironment(target);
  const releases = await listReleases(cluster, namespace, app);
  checkApp(target.config, app, releases);
  return releases;
}

export interface RollbackOptions extends EnvironmentTarget {
  app: string;
  to?: number;
  timeoutMs: number;
  lockWaitMs: number;
  message?: string;
  command: string;
  /** Who to record (the admin page's `web:<user>`); default: the API server's name for the kubeconfig's user. */
  user?: string;
  signal: AbortSignal;
  emit: Emit;
}

export async function rollback(
  options: RollbackOptions,
): Promise<{ release: Release; ok: boolean; from: Release | undefined; to: Release; restored: string[] }> {
  const { cluster, namespace } = openEnvironment(options);
  const user = options.user ?? (await whoAmI(cluster).catch(() => currentUser()));
  const lock = await acquireLock(cluster, {
    namespace,
    environment: options.environment,
    user,
    command: options.command,
    waitMs: options.lockWaitMs,
    signal: options.signal,
    onWait: (holder) => options.emit({ type: 'lock-wait', holder }),
  });
  try {
    const all = await listReleases(cluster, namespace);
    const releases = all.filter((r) => r.app === options.app);
    checkApp(options.config, options.app, releases);
    const current = currentRelease(releases);
    const target = options.to !== undefined ? releases.find((r) => r.revision === options.to) : previousGood(releases, current);
    if (!target) {
      throw new UsageError(
        options.to !== undefined
          ? `${options.app} has no release r${options.to} in ${options.environment}`
          : `${options.app} has no earlier release to roll back to in ${options.environment}`,
        { hint: `See the releases with \`berth history ${options.app} --env ${options.environment}\` (the last ${releases.length} are kept).` },
      );
    }
    if (current && target.revision === current.revision) {
      throw new BerthError(`r${target.revision} of ${options.app} is already the current release`, {
        exitCode: ExitCode.usage,
        hint: 'Nothing to do; `berth deploy --restart` rolls its pods.',
      });
    }
    const live = await listManaged(cluster, namespace, { [LABEL.managedBy]: MANAGED_BY, [LABEL.environment]: options.environment });
    const watcher = new RolloutWatcher(cluster, namespace, `${LABEL.environment}=${options.environment}`, {
      onReconnect: (reason) => options.emit({ type: 'reconnect', reason }),
    });
    await watcher.start();
    try {
      const ctx: RolloutContext = {
        cluster,
        namespace,
        watcher,
        live,
        timeoutMs: options.timeoutMs,
        force: true,
        emit: options.emit,
        interrupt: options.signal,
      };
      options.emit({ type: 'rollback', app: options.app, from: current?.revision, to: target.revision });
      const result = await rollbackTo(ctx, { target, releases: all, user, message: options.message ?? `rollback to r${target.revision}` });
      // Values set with berth go back too, or the next deploy would bring the newer ones again.
      const restored = result.ok ? await restoreSources(cluster, target) : [];
      return { ...result, from: current, to: target, restored };
    } finally {
      watcher.stop();
    }
  } finally {
    await lock.release();
  }
}

/** The newest succeeded release older than the current one. */
function previousGood(releases: Release[], current: Release | undefined): Release | undefined {
  return releases.find((r) => r.result === 'succeeded' && r !== current && (!current || r.revision < current.revision) && sameContent(r, current) === false);
}

function sameContent(a: Release, b: Release | undefined): boolean {
  // A rollback copies an older release: going "back" to an identical copy would change nothing.
  return (
    b !== undefined &&
    a.tag === b.tag &&
    a.configHash === b.configHash &&
    a.secretsHash === b.secretsHash &&
    JSON.stringify(a.objects) === JSON.stringify(b.objects)
  );
}

export interface ProcessHealth {
  process: string;
  deployment: string;
  state: 'healthy' | 'progressing' | 'failing' | 'missing';
  detail: string;
  diagnosis?: Diagnosis;
}

/** `berth diagnose APP`: each process's state now, explained when it is not healthy. */
export async function diagnoseApp(target: EnvironmentTarget, app: string): Promise<{ processes: ProcessHealth[]; lastRelease: Release | undefined }> {
  const { cluster, namespace } = openEnvironment(target);
  const releases = await listReleases(cluster, namespace, app);
  checkApp(target.config, app, releases);
  const selector = `${LABEL.environment}=${target.environment},${LABEL.app}=${app}`;
  const [deployments, replicaSets, pods] = await Promise.all([
    cluster.objects.listRaw<Deployment>('apps/v1', 'Deployment', { namespace, labelSelector: selector }),
    cluster.objects.listRaw<ReplicaSet>('apps/v1', 'ReplicaSet', { namespace, labelSelector: selector }),
    cluster.objects.listRaw<Pod>('v1', 'Pod', { namespace, labelSelector: selector }),
  ]);
  const resolved = resolveEnvironment(target.config, target.environment).apps.find((a) => a.name === app);
  const processes: ProcessHealth[] = [];
  for (const deployment of deployments.items) {
    const process = deployment.metadata.labels?.[LABEL.component] ?? deployment.metadata.name;
    const matching = pods.items.filter((p) => Object.entries(deployment.spec?.selector?.matchLabels ?? {}).every(([k, v]) => p.metadata.labels?.[k] === v));
    const verdict = rolloutVerdict({
      deployment,
      replicaSets: replicaSets.items,
      pods: matching,
      appliedGeneration: deployment.metadata.generation ?? 0,
      now: Date.now(),
    });
    if (verdict.state === 'done') {
      processes.push({
        process,
        deployment: deployment.metadata.name,
        state: 'healthy',
        detail: `${verdict.progress.ready}/${verdict.progress.desired} ready`,
      });
      continue;
    }
    const unready = matching.find((p) => !isPodReady(p));
    const failure: Failure =
      verdict.state === 'failed'
        ? verdict.failure
        : { code: 'timeout', message: `waiting for ${verdict.waitingFor}`, pod: unready?.metadata.name, container: unready?.spec?.containers[0]?.name };
    const spec = resolved?.processes.find((p) => p.name === process);
    processes.push({
      process,
      deployment: deployment.metadata.name,
      state: verdict.state === 'failed' ? 'failing' : 'progressing',
      detail: verdict.state === 'failed' ? verdict.failure.message : `waiting for ${verdict.waitingFor}`,
      diagnosis: await diagnose(cluster, failure, {
        app,
        process,
        namespace,
        environment: target.environment,
        image: deployment.spec?.template?.spec?.containers[0]?.image ?? '',
        healthPath: spec?.health.path,
        port: spec?.port,
        memoryLimit: spec?.resources.limits.memory,
        replicaSet: verdict.progress.replicaSet,
      }),
    });
  }
  for (const process of resolved?.processes ?? []) {
    if (!processes.some((p) => p.process === process.name))
      processes.push({ process: process.name, deployment: process.objectName, state: 'missing', detail: 'not deployed' });
  }
  return { processes, lastRelease: releases[0] };
}
