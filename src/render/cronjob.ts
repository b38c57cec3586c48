/**
 * Scheduled work: the app's cron tasks. Forbid keeps a slow run from
 * overlapping the next one; a bounded deadline keeps a hung run from blocking every later one.
 */
import type { V1Container, V1CronJob, V1Volume } from '@kubernetes/client-node';
import type { ResolvedApp, ResolvedCluster, ResolvedCron, Security } from '../config/resolved.ts';
import { workloadLabels } from '../model/labels.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';
import { basePodSpec, containerSecurity, envFrom, imagePullPolicy, resources, secretEnv, tmpVolume } from './pod.ts';

interface JobSpec {
  name: string;
  component: string;
  schedule: string;
  timeZone: string | undefined;
  timeout: number;
  container: V1Container;
  volumes?: V1Volume[];
  security: Security;
}

function cronJob(app: ResolvedApp, cluster: ResolvedCluster, job: JobSpec): KubeObject {
  const labels = workloadLabels(app, job.component);
  const cron: V1CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: job.name, namespace: app.namespace, labels },
    spec: {
      schedule: job.schedule,
      timeZone: job.timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 1,
          activeDeadlineSeconds: job.timeout,
          ttlSecondsAfterFinished: 7 * 24 * 3600,
          template: {
            metadata: { labels },
            spec: {
              ...basePodSpec(job.security, cluster),
              restartPolicy: 'Never',
              containers: [job.container],
              volumes: job.volumes,
            },
          },
        },
      },
    },
  };
  return kube(cron);
}

export function renderCronTask(app: ResolvedApp, task: ResolvedCron, cluster: ResolvedCluster): KubeObject {
  const tmp = tmpVolume(task.security);
  return cronJob(app, cluster, {
    security: task.security,
    volumes: tmp ? [tmp.volume] : undefined,
    name: task.objectName,
    component: `cron-${task.name}`,
    schedule: task.schedule,
    timeZone: task.timeZone,
    timeout: task.timeout,
    container: {
      name: task.name,
      image: app.image,
      imagePullPolicy: imagePullPolicy(app.image),
      command: task.command,
      env: secretEnv(app),
      envFrom: envFrom(app),
      resources: resources(task.resources),
      volumeMounts: tmp ? [tmp.mount] : undefined,
      securityContext: containerSecurity(task.security),
    },
  });
}
