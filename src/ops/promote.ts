/**
 * `berth promote --from staging --to production`: deploys to the target the build that runs in
 * the source — pinned by the digest the source's pods report, not by a tag that could have moved
 * — with the target's own config and secrets. A source that is not healthy, or is being deployed,
 * is not promoted.
 */
import type { DeployRequest } from '../deploy/run.ts';
import { connectCluster } from '../cluster/connect.ts';
import { closeTransport } from '../cluster/http.ts';
import { resolveEnvironment } from '../config/resolve.ts';
import type { ParsedConfig } from '../config/schema.ts';
import type { Emit } from '../deploy/events.ts';
import type { Promotion } from '../deploy/releases.ts';
import { type DeployResult, deploy } from '../deploy/run.ts';
import { BerthError, ExitCode, UsageError } from '../errors.ts';
import { ANNOTATION, LABEL } from '../model/labels.ts';
import type { Pod } from '../model/workloads.ts';
import { readEnvironment } from './status-read.ts';
import { type EnvironmentSnapshot, summarise } from './status.ts';

export interface PromoteRequest {
  config: ParsedConfig;
  from: string;
  to: string;
  apps: string[];
  kubeconfig?: string;
  timeoutMs: number;
  lockWaitMs: number;
  command: string;
  ensureDatabase?: DeployRequest['ensureDatabase'];
  webhook?: () => Promise<string | undefined>;
  signal: AbortSignal;
  emit: Emit;
}

export interface PromoteResult {
  builds: Record<string, Promotion & { pinnedByDigest: boolean }>;
  result: DeployResult;
}

/** The tag and, when every pod of the newest release reports the same one, the digest an app runs. Pure. */
export function runningBuild(snapshot: EnvironmentSnapshot, app: string): { tag: string; image: string; digest: string | undefined } | undefined {
  const deployments = snapshot.deployments.filter((d) => d.metadata.labels?.[LABEL.app] === app);
  const deployment = deployments.find((d) => d.metadata.labels?.[LABEL.component] === 'web') ?? deployments[0];
  const tag = deployment?.metadata.annotations?.[ANNOTATION.imageTag];
  const image = deployment?.spec?.template?.spec?.containers[0]?.image;
  if (!deployment || !tag || !image) return undefined;
  const selector = deployment.spec?.selector?.matchLabels ?? {};
  const pods = snapshot.pods.filter((p: Pod) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v) && !p.metadata.deletionTimestamp);
  const digests = new Set(
    pods.map(
      (p) =>
        p.status?.containerStatuses
          ?.find((s) => s.image === image || s.name === deployment.spec?.template?.spec?.containers[0]?.name)
          ?.imageID?.match(/sha256:[0-9a-f]{64}/)?.[0],
    ),
  );
  const [digest] = digests;
  return { tag, image, digest: digests.size === 1 && digest ? digest : undefined };
}

export async function promote(request: PromoteRequest): Promise<PromoteResult> {
  if (request.from === request.to) throw new UsageError('--from and --to are the same environment');
  const source = resolveEnvironment(request.config, request.from);
  const target = resolveEnvironment(request.config, request.to);
  const inBoth = source.apps.map((a) => a.name).filter((name) => target.apps.some((t) => t.name === name));
  const unknown = request.apps.filter((a) => !inBoth.includes(a));
  if (unknown.length) {
    throw new UsageError(`${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not enabled in both ${request.from} and ${request.to}`, {
      hint: `Apps in both: ${inBoth.join(', ') || 'none'}.`,
    });
  }
  const apps = request.apps.length ? request.apps : inBoth;
  const cluster = connectCluster({ context: request.config.cluster?.context, kubeconfig: request.kubeconfig });
  const snapshot = await readEnvironment(cluster, source.namespace, request.from).finally(() => closeTransport(cluster));
  if (snapshot.lock && !snapshot.lock.expired) {
    throw new BerthError(`${request.from} is being deployed by ${snapshot.lock.user} on ${snapshot.lock.host}: ${snapshot.lock.command}`, {
      exitCode: ExitCode.conflict,
      hint: `Promote what ${request.from} runs once that deploy has finished and is healthy (berth status --env ${request.from}).`,
    });
  }
  const status = summarise(snapshot, [], Date.now(), apps);
  const builds: PromoteResult['builds'] = {};
  const problems: string[] = [];
  for (const app of apps) {
    const state = status.apps.find((a) => a.app === app);
    const build = runningBuild(snapshot, app);
    if (!state || !build || state.state === 'not deployed') problems.push(`${app} is not deployed in ${request.from}`);
    else if (state.state !== 'healthy') {
      const detail = state.processes.find((p) => p.state !== 'healthy');
      problems.push(
        `${app} is not healthy in ${request.from} (${detail ? `${detail.process}: ${detail.crashLooping.length ? 'crash loop' : (detail.detail ?? detail.state)}` : state.state})`,
      );
    } else {
      builds[app] = {
        environment: request.from,
        revision: state.current?.revision,
        image: build.digest ? `${build.image}@${build.digest}` : build.image,
        pinnedByDigest: build.digest !== undefined,
      };
    }
  }
  if (problems.length) {
    throw new BerthError(`Not promoting: ${problems.join('; ')}`, {
      hint: `Promote a build that runs healthy in ${request.from}: see \`berth status --env ${request.from}\` and \`berth diagnose APP --env ${request.from}\`.`,
    });
  }
  // A tag with its digest (`v2@sha256:…`) pins the exact build; without a digest, the tag as it runs.
  const tags = Object.fromEntries(
    apps.map((app) => {
      const build = runningBuild(snapshot, app)!;
      return [app, build.digest ? `${build.tag}@${build.digest}` : build.tag];
    }),
  );
  const result = await deploy({
    config: request.config,
    environment: request.to,
    apps,
    tags,
    timeoutMs: request.timeoutMs,
    rollback: true,
    dryRun: false,
    lockWaitMs: request.lockWaitMs,
    restart: false,
    forceConflicts: false,
    message: `promoted from ${request.from}`,
    command: request.command,
    kubeconfig: request.kubeconfig,
    ensureDatabase: request.ensureDatabase,
    webhook: request.webhook,
    promotedFrom: Object.fromEntries(Object.entries(builds).map(([app, { pinnedByDigest: _, ...promotion }]) => [app, promotion])),
    signal: request.signal,
    emit: request.emit,
  });
  return { builds, result };
}
