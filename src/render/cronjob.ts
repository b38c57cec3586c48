/**
 * Scheduled work: the app's cron tasks and its database backup. Forbid keeps a slow run from
 * overlapping the next one; a bounded deadline keeps a hung run from blocking every later one.
 */
import type { V1Container, V1CronJob, V1Volume } from '@kubernetes/client-node';
import type { ResolvedApp, ResolvedCluster, ResolvedCron, ResolvedEnvironment } from '../config/resolved.ts';
import { appLabels } from './labels.ts';
import { backupClaimName, databaseSecretName } from './names.ts';
import { kube, type KubeObject } from './object.ts';
import { basePodSpec, containerSecurity, envFrom, imagePullPolicy, resources, secretEnv } from './pod.ts';

interface JobSpec {
  name: string;
  component: string;
  schedule: string;
  timeZone: string | undefined;
  timeout: number;
  container: V1Container;
  volumes?: V1Volume[];
}

function cronJob(app: ResolvedApp, cluster: ResolvedCluster, job: JobSpec): KubeObject {
  const labels = appLabels(app, job.component);
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
              ...basePodSpec(app, cluster),
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
  return cronJob(app, cluster, {
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
      securityContext: containerSecurity(),
    },
  });
}

/** The scheduled backup runs berth itself in the cluster: dump, compress, checksum, verify, prune. */
export function renderBackupCronJob(app: ResolvedApp, env: ResolvedEnvironment): KubeObject | undefined {
  if (!app.backups || !env.backupStore) return undefined;
  const store = env.backupStore;
  const r = app.backups.retention;
  const s3 = 's3' in store ? store.s3 : undefined;
  const onVolume = !s3;
  return cronJob(app, env.cluster, {
    name: `${app.name}-backup`,
    component: 'backup',
    schedule: app.backups.schedule,
    timeZone: app.backups.timeZone,
    timeout: 6 * 3600,
    container: {
      name: 'backup',
      image: env.cluster.berthImage,
      imagePullPolicy: imagePullPolicy(env.cluster.berthImage),
      command: ['berth', 'backup', 'run', '--app', app.name, '--env', app.environment, '--keep-daily', String(r.daily), '--keep-weekly', String(r.weekly), '--keep-monthly', String(r.monthly)],
      env: [
        { name: 'BERTH_BACKUP_STORE', value: s3 ? `s3://${s3.bucket}/${s3.prefix ?? ''}` : '/backups' },
        ...(s3?.endpoint ? [{ name: 'AWS_ENDPOINT_URL_S3', value: s3.endpoint }] : []),
        ...(s3?.region ? [{ name: 'AWS_REGION', value: s3.region }] : []),
      ],
      envFrom: [{ secretRef: { name: databaseSecretName(app) } }, ...(s3 ? [{ secretRef: { name: s3.credentialsSecret } }] : [])],
      resources: resources({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } }),
      volumeMounts: onVolume ? [{ name: 'backups', mountPath: '/backups' }] : undefined,
      securityContext: containerSecurity(),
    },
    volumes: onVolume ? [{ name: 'backups', persistentVolumeClaim: { claimName: backupClaim(store) } }] : undefined,
  });
}

export function backupClaim(store: NonNullable<ResolvedEnvironment['backupStore']>): string {
  return 'pvc' in store && store.pvc.existingClaim ? store.pvc.existingClaim : backupClaimName;
}
