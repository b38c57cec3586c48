/**
 * One-off work in the cluster: `berth run` (a command in the app's image, env and secrets) and
 * `berth cron run` (a cron task now, as `kubectl create job --from=cronjob/…` does). Both create a
 * Job, stream its pod's log, and end with the container's exit code; `berth run` deletes its Job
 * afterwards (also on Ctrl-C), a cron run stays as the task's last run.
 */
import { randomBytes } from 'node:crypto';
import { deleteRaw } from '../cluster/apply-set.ts';
import type { Cluster } from '../cluster/connect.ts';
import { kubeError } from '../cluster/errors.ts';
import { streamLog } from '../cluster/pod-logs.ts';
import { getIn } from '../cluster/read.ts';
import { type RawObject, watchObjects } from '../cluster/watch.ts';
import { BerthError, UsageError } from '../errors.ts';
import { LABEL } from '../model/labels.ts';
import { closest } from '../suggest.ts';
import { type CronJob, type Deployment, type Job, jobResult, type Pod } from '../model/workloads.ts';
import { type LogLine, splitTimestamp } from './log-lines.ts';

export interface JobRun {
  job: string;
  pod: string | undefined;
  exitCode: number;
  result: 'succeeded' | 'failed' | 'interrupted';
  reason?: string;
}

type PodTemplateSpec = {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: { name: string; image?: string; command?: string[]; args?: string[]; [key: string]: unknown }[];
    initContainers?: unknown[];
    restartPolicy?: string;
    [key: string]: unknown;
  };
};

/** The Job of `berth run`: the process's pod template (image, env, pinned config and secrets) running CMD once. Pure. */
export function oneOffJob(deployment: Deployment, options: { app: string; process: string; command: string[]; image?: string; suffix: string }): RawObject {
  const template = structuredClone((deployment.spec as { template: PodTemplateSpec }).template);
  const container = template.spec.containers[0]!;
  // A one-off command: no probes, ports or pre-stop pause; no migration before it.
  for (const key of ['readinessProbe', 'livenessProbe', 'startupProbe', 'lifecycle', 'ports']) delete container[key];
  container.command = options.command;
  delete container.args;
  if (options.image) container.image = options.image;
  delete template.spec.initContainers;
  delete template.spec.topologySpreadConstraints;
  delete template.spec.affinity;
  template.spec.restartPolicy = 'Never';
  const labels: Record<string, string> = { ...deployment.metadata.labels, [LABEL.component]: 'run' };
  delete labels['app.kubernetes.io/version'];
  template.metadata = { labels, annotations: { ...template.metadata?.annotations, 'berth.dev/run-of': options.process } };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${options.app}-run-${options.suffix}`, namespace: deployment.metadata.namespace, labels },
    spec: { backoffLimit: 0, ttlSecondsAfterFinished: 3600, template },
  };
}

/** The Job of `berth cron run`: the CronJob's own template, owned by it, marked manual. Pure. */
export function cronRunJob(cronJob: CronJob, suffix: string): RawObject {
  const template = structuredClone(cronJob.spec?.jobTemplate ?? {}) as {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: unknown;
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${cronJob.metadata.name}-manual-${suffix}`.slice(0, 63).replace(/-+$/, ''),
      namespace: cronJob.metadata.namespace,
      labels: template.metadata?.labels ?? cronJob.metadata.labels,
      annotations: { ...template.metadata?.annotations, 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name, uid: cronJob.metadata.uid!, controller: true }],
    },
    spec: template.spec,
  };
}

export function runSuffix(): string {
  return randomBytes(3).toString('hex');
}

export async function readDeployment(cluster: Cluster, namespace: string, name: string): Promise<Deployment | undefined> {
  return getIn<Deployment>(cluster, 'Deployment', namespace, name);
}

export async function readCronJob(cluster: Cluster, namespace: string, name: string): Promise<CronJob | undefined> {
  return getIn<CronJob>(cluster, 'CronJob', namespace, name);
}

export interface RunOptions {
  signal: AbortSignal;
  /** Delete the Job when it is done (berth run), or keep it as a record (cron run). */
  cleanup: boolean;
  onLine: (line: LogLine, pod: string, container: string) => void;
  onStatus?: (text: string) => void;
}

/** Creates the Job, streams its pod's log, waits for the end. */
export async function runJob(cluster: Cluster, job: RawObject, options: RunOptions): Promise<JobRun> {
  const namespace = job.metadata.namespace!;
  try {
    await cluster.objects.sendRaw('POST', `/apis/batch/v1/namespaces/${namespace}/jobs`, job);
  } catch (error) {
    throw kubeError(error, `create Job ${namespace}/${job.metadata.name}`);
  }
  options.onStatus?.(`started Job ${job.metadata.name}`);
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  let streaming: Promise<unknown> | undefined;
  let pod: Pod | undefined;
  try {
    await watchObjects<RawObject>(
      cluster,
      { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: `batch.kubernetes.io/job-name=${job.metadata.name}` },
      {
        signal,
        onChange: (_change, _object, store) => {
          pod = [...store.values()][0] as unknown as Pod | undefined;
          const status = pod?.status?.containerStatuses?.[0];
          if (!pod || !status) return;
          const started = status.state?.running || status.state?.terminated;
          if (started && !streaming) {
            const podName = pod.metadata.name;
            const container = status.name;
            streaming = streamLog(cluster, { namespace, pod: podName, container, follow: true, timestamps: true }, signal, (raw) =>
              options.onLine(splitTimestamp(raw), podName, container),
            ).catch(() => undefined);
          }
          const waiting = status.state?.waiting;
          if (waiting?.reason && /^Err|BackOff$|Error$/.test(waiting.reason)) {
            stop.abort(new BerthError(`The one-off pod cannot start: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`));
          }
          if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
            // Let the log stream deliver its last lines, then stop watching.
            void Promise.race([streaming, new Promise((resolve) => setTimeout(resolve, 2000))]).then(() => stop.abort());
          }
        },
      },
    );
    await streaming;
    if (options.signal.aborted) return { job: job.metadata.name, pod: pod?.metadata.name, exitCode: 130, result: 'interrupted' };
    if (stop.signal.reason instanceof BerthError) throw stop.signal.reason;
    const finished = await getIn<Job>(cluster, 'Job', namespace, job.metadata.name);
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    const exitCode = terminated?.exitCode ?? (pod?.status?.phase === 'Succeeded' ? 0 : 1);
    const verdict = finished ? jobResult(finished) : undefined;
    return {
      job: job.metadata.name,
      pod: pod?.metadata.name,
      exitCode,
      result: exitCode === 0 ? 'succeeded' : 'failed',
      reason: terminated?.reason ?? verdict?.reason,
    };
  } finally {
    if (options.cleanup) await deleteRaw(cluster, job).catch(() => undefined);
  }
}

/** `APP/TASK` → the CronJob name, checked against the config. */
export function parseTask(
  arg: string | undefined,
  apps: { name: string; cron: { name: string; objectName: string }[] }[],
): { app: string; task: string; cronJob: string } {
  const [app, task] = (arg ?? '').split('/');
  if (!app || !task) throw new UsageError('berth cron run takes APP/TASK', { hint: 'berth cron run web/nightly [--env ENV]' });
  const found = apps.find((a) => a.name === app);
  if (!found) {
    const guess = closest(
      app,
      apps.map((a) => a.name),
    );
    throw new UsageError(`No app "${app}" in this environment${guess ? ` — did you mean "${guess}"?` : ''}`, {
      hint: `Apps: ${apps.map((a) => a.name).join(', ')}.`,
    });
  }
  const cron = found.cron.find((c) => c.name === task);
  if (!cron) {
    const guess = closest(
      task,
      found.cron.map((c) => c.name),
    );
    throw new UsageError(`${app} has no cron task "${task}"${guess ? ` — did you mean "${guess}"?` : ''}`, {
      hint: `${app}'s cron tasks: ${found.cron.map((c) => c.name).join(', ') || 'none'}.`,
    });
  }
  return { app, task, cronJob: cron.objectName };
}
