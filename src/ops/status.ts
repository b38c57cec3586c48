/**
 * `berth status`, the pure part: what a handful of namespace-wide lists say about each app —
 * its current release and who made it, each process's ready/desired and how many pods still run
 * an older release, restarts and crash loops, the cron tasks' last runs, the deploy lock. The
 * lists are read once for the whole environment (status-read.ts), never per app.
 */
import { previousFire as cronPreviousFire } from '../model/cron-fire.ts';
import { ANNOTATION, LABEL } from '../model/labels.ts';
import {
  type ContainerStatus,
  type CronJob,
  type Deployment,
  type Job,
  jobResult,
  type Pod,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  type ReplicaSet,
} from '../model/workloads.ts';
import type { LockHolder } from '../deploy/lock.ts';
import type { ReleaseSummary } from '../deploy/releases.ts';

export type { ReleaseSummary } from '../deploy/releases.ts';
import { rolloutVerdict } from '../deploy/verdict.ts';

export interface EnvironmentSnapshot {
  environment: string;
  namespace: string;
  deployments: Deployment[];
  replicaSets: ReplicaSet[];
  pods: Pod[];
  cronJobs: CronJob[];
  jobs: Job[];
  /** Each app's releases, newest first. */
  releasesByApp: Map<string, ReleaseSummary[]>;
  lock: (LockHolder & { expired: boolean }) | undefined;
}

/** What the config expects in the environment, so an app that is not running shows as such. */
export interface ExpectedApp {
  name: string;
  processes: { name: string; objectName: string }[];
  cron: { name: string; objectName: string }[];
}

export type ProcessState = 'healthy' | 'progressing' | 'failing' | 'stopped' | 'missing';

export interface ProcessStatus {
  process: string;
  deployment: string;
  desired: number;
  ready: number;
  /** Live pods of the newest ReplicaSet (the current release). */
  onLatest: number;
  /** Live pods of older ReplicaSets. */
  old: number;
  restarts: number;
  crashLooping: string[];
  state: ProcessState;
  /** Why it is not healthy, in a few words. */
  detail?: string;
}

export interface CronRun {
  job: string;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  result: 'succeeded' | 'failed' | 'running';
  reason?: string;
}

export interface CronStatus {
  task: string;
  cronJob: string;
  schedule: string;
  suspended: boolean;
  lastRun?: CronRun;
  lastSuccessAt?: string;
  missing?: boolean;
  /** The schedule fired (this time) and no run started for it. */
  missedAt?: string;
}

export type AppState = 'healthy' | 'progressing' | 'failing' | 'not deployed';

/** The app's scheduled backup (the backup CronJob berth renders): its runs publish only verified backups. */
export interface BackupStatus {
  schedule: string;
  /** When the newest successful run finished: the age of the last good backup. */
  lastGoodAt?: string;
  lastRun?: CronRun;
  missedAt?: string;
}

export interface AppStatus {
  app: string;
  state: AppState;
  tag: string | undefined;
  /** The newest release that succeeded: what should be running. */
  current: ReleaseSummary | undefined;
  /** The newest release whatever its result (a failed deploy, a rollback). */
  last: ReleaseSummary | undefined;
  processes: ProcessStatus[];
  cron: CronStatus[];
  backup?: BackupStatus;
}

export interface EnvironmentStatus {
  environment: string;
  namespace: string;
  lock: (LockHolder & { expired: boolean }) | undefined;
  apps: AppStatus[];
}

export function summarise(snapshot: EnvironmentSnapshot, expected: ExpectedApp[], now: number, only: string[] = []): EnvironmentStatus {
  const names = new Set(expected.map((a) => a.name));
  for (const d of snapshot.deployments) names.add(appOf(d) ?? '');
  for (const c of snapshot.cronJobs) names.add(appOf(c) ?? '');
  for (const app of snapshot.releasesByApp.keys()) names.add(app);
  names.delete('');
  const ordered = [...expected.map((a) => a.name), ...[...names].filter((n) => !expected.some((a) => a.name === n)).sort()];
  const apps = ordered
    .filter((app) => only.length === 0 || only.includes(app))
    .map((app) =>
      appStatus(
        app,
        snapshot,
        expected.find((a) => a.name === app),
        now,
      ),
    );
  return { environment: snapshot.environment, namespace: snapshot.namespace, lock: snapshot.lock, apps };
}

function appStatus(app: string, snapshot: EnvironmentSnapshot, expected: ExpectedApp | undefined, now: number): AppStatus {
  const releases = snapshot.releasesByApp.get(app) ?? [];
  const deployments = snapshot.deployments.filter((d) => appOf(d) === app);
  const processes = deployments
    .map((d) => processStatus(d, snapshot, now))
    .sort((a, b) => processOrder(a.process) - processOrder(b.process) || (a.process < b.process ? -1 : 1));
  for (const p of expected?.processes ?? []) {
    if (!processes.some((s) => s.process === p.name))
      processes.push({ process: p.name, deployment: p.objectName, desired: 0, ready: 0, onLatest: 0, old: 0, restarts: 0, crashLooping: [], state: 'missing' });
  }
  const all = snapshot.cronJobs.filter((c) => appOf(c) === app).map((c) => cronStatus(c, snapshot.jobs, now));
  const backupRun = all.find((c) => c.task === BACKUP_COMPONENT);
  const cron = all.filter((c) => c !== backupRun);
  for (const task of expected?.cron ?? []) {
    if (!cron.some((c) => c.cronJob === task.objectName))
      cron.push({ task: task.name, cronJob: task.objectName, schedule: '', suspended: false, missing: true });
  }
  const web = deployments.find((d) => d.metadata.labels?.[LABEL.component] === 'web') ?? deployments[0];
  const current = releases.find((r) => r.result === 'succeeded');
  return {
    app,
    state: appState(processes, deployments.length > 0),
    tag: web?.metadata.annotations?.[ANNOTATION.imageTag] ?? current?.tag,
    current,
    last: releases[0],
    processes,
    cron: cron.sort((a, b) => (a.task < b.task ? -1 : 1)),
    ...(backupRun
      ? {
          backup: {
            schedule: backupRun.schedule,
            ...(backupRun.lastSuccessAt ? { lastGoodAt: backupRun.lastSuccessAt } : {}),
            ...(backupRun.lastRun ? { lastRun: backupRun.lastRun } : {}),
            ...(backupRun.missedAt ? { missedAt: backupRun.missedAt } : {}),
          },
        }
      : {}),
  };
}

/** The component label of the backup CronJob render gives each app with backups. */
const BACKUP_COMPONENT = 'backup';

function appState(processes: ProcessStatus[], deployed: boolean): AppState {
  if (!deployed) return 'not deployed';
  if (processes.some((p) => p.state === 'failing' || p.state === 'missing')) return 'failing';
  if (processes.some((p) => p.state === 'progressing')) return 'progressing';
  return 'healthy';
}

function processStatus(deployment: Deployment, snapshot: EnvironmentSnapshot, now: number): ProcessStatus {
  const process = deployment.metadata.labels?.[LABEL.component] ?? deployment.metadata.name;
  const selector = deployment.spec?.selector?.matchLabels ?? {};
  const pods = snapshot.pods.filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
  const owned = snapshot.replicaSets.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid));
  const revision = deployment.metadata.annotations?.[REVISION_ANNOTATION];
  const newest = owned.find((rs) => rs.metadata.annotations?.[REVISION_ANNOTATION] === revision);
  const hash = newest?.metadata.labels?.[POD_TEMPLATE_HASH];
  const live = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const onLatest = live.filter((p) => hash && p.metadata.labels?.[POD_TEMPLATE_HASH] === hash).length;
  const containers = live.flatMap((p) => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((s) => ({ pod: p, s })));
  const crashLooping = [...new Set(containers.filter(({ s }) => isCrashing(s)).map(({ pod }) => pod.metadata.name))];
  const desired = deployment.spec?.replicas ?? 1;
  const base = {
    process,
    deployment: deployment.metadata.name,
    desired,
    ready: live.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length,
    onLatest,
    old: live.length - onLatest,
    restarts: containers.reduce((sum, { s }) => sum + (s.restartCount ?? 0), 0),
    crashLooping,
  };
  if (desired === 0 && live.length === 0) return { ...base, state: 'stopped' };
  const verdict = rolloutVerdict({ deployment, replicaSets: owned, pods, appliedGeneration: deployment.metadata.generation ?? 0, now });
  if (verdict.state === 'done') return { ...base, state: crashLooping.length ? 'failing' : 'healthy', detail: crashLooping.length ? 'crash loop' : undefined };
  if (verdict.state === 'failed') return { ...base, state: 'failing', detail: verdict.failure.message };
  return { ...base, state: crashLooping.length ? 'failing' : 'progressing', detail: crashLooping.length ? 'crash loop' : `waiting for ${verdict.waitingFor}` };
}

/**
 * Backing off after a crash, or restarted twice after non-zero exits: between two back-offs a
 * crashing container is briefly running, and status must not call it healthy then (flyctl's
 * "appears to be crashing").
 */
function isCrashing(s: ContainerStatus): boolean {
  if (s.state?.waiting?.reason === 'CrashLoopBackOff') return true;
  const last = s.lastState?.terminated;
  return (s.restartCount ?? 0) >= 2 && last !== undefined && last.exitCode !== 0;
}

function cronStatus(cronJob: CronJob, jobs: Job[], now: number): CronStatus {
  const component = cronJob.metadata.labels?.[LABEL.component] ?? cronJob.metadata.name;
  const runs = jobs
    .filter((j) => j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && (o.uid === cronJob.metadata.uid || o.name === cronJob.metadata.name)))
    .sort((a, b) => started(b) - started(a));
  const newest = runs[0];
  const lastRun: CronRun | undefined = newest && {
    job: newest.metadata.name,
    startedAt: newest.status?.startTime ?? newest.metadata.creationTimestamp,
    finishedAt: newest.status?.completionTime ?? newest.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True')?.lastTransitionTime,
    ...jobResult(newest),
  };
  const succeededJob = runs.find((j) => jobResult(j).result === 'succeeded');
  const lastSuccessAt = latest(cronJob.status?.lastSuccessfulTime, succeededJob?.status?.completionTime);
  const missedAt = missedRun(cronJob, newest, now);
  return {
    task: component.replace(/^cron-/, ''),
    cronJob: cronJob.metadata.name,
    schedule: cronJob.spec?.schedule ?? '',
    suspended: cronJob.spec?.suspend === true,
    ...(lastRun ? { lastRun } : {}),
    ...(lastSuccessAt ? { lastSuccessAt } : {}),
    ...(missedAt ? { missedAt } : {}),
  };
}

/**
 * The schedule's previous fire time when no run started for it: neither the controller's last
 * schedule nor a Job is that recent, the CronJob existed then, and its starting deadline (plus a
 * minute) has passed.
 */
function missedRun(cronJob: CronJob, newest: Job | undefined, now: number): string | undefined {
  const schedule = cronJob.spec?.schedule;
  if (!schedule || cronJob.spec?.suspend) return undefined;
  const due = previousFire(schedule, cronJob.spec?.timeZone ?? 'UTC', now);
  if (due === undefined) return undefined;
  const grace = ((cronJob.spec?.startingDeadlineSeconds ?? 300) + 60) * 1000;
  const created = Date.parse(cronJob.metadata.creationTimestamp ?? '') || now;
  const lastStart = Math.max(Date.parse(cronJob.status?.lastScheduleTime ?? '') || 0, newest ? started(newest) : 0);
  if (created > due || now < due + grace || lastStart >= due - 60_000) return undefined;
  return new Date(due).toISOString();
}

/**
 * Apps mostly share a few schedules (every nightly task at 03:00), and croner steps back through
 * the calendar in the time zone to find a previous fire time: computed once per schedule, a
 * 50-app status no longer spends a tenth of its time here.
 */
const previousFires = new Map<string, number | undefined>();

function previousFire(schedule: string, timeZone: string, now: number): number | undefined {
  const key = `${schedule}\n${timeZone}\n${now}`;
  if (previousFires.has(key)) return previousFires.get(key);
  let due: number | undefined;
  try {
    due = cronPreviousFire(schedule, timeZone, new Date(now))?.getTime();
  } catch {
    due = undefined;
  }
  if (previousFires.size > 1000) previousFires.clear();
  previousFires.set(key, due);
  return due;
}

function started(job: Job): number {
  return Date.parse(job.status?.startTime ?? job.metadata.creationTimestamp ?? '') || 0;
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function appOf(object: { metadata: { labels?: Record<string, string> } }): string | undefined {
  return object.metadata.labels?.[LABEL.app];
}

/** web first, then the other processes by name. */
function processOrder(process: string): number {
  return process === 'web' ? 0 : 1;
}
