/**
 * The backup CronJob of an app with `backups` scheduled: berth's own image runs `berth backup
 * run` (argv from backup-args.ts) against the app's database Secret, writing to the configured
 * store — a PVC (`<app>-backups`, or an existing claim) or an NFS share mounted at /backups, or
 * S3 with the credentials Secret's two keys. Forbid keeps runs from overlapping; a deadline stops
 * a hung run; a missed run still starts within an hour. Verification and retention happen inside
 * the run, so their failures fail the Job where `kubectl get jobs` and `berth backup check` see it.
 */
import type { V1CronJob, V1EnvVar, V1Volume } from '@kubernetes/client-node';
import type { BackupSettings } from '../config/backup-settings.ts';
import { DEFAULTS } from '../config/defaults.ts';
import type { ResolvedApp, ResolvedCluster } from '../config/resolved.ts';
import { appLabels } from '../model/labels.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';
import { databaseSecretName } from '../model/names.ts';
import { runnerArgs } from './backup-args.ts';
import { BERTH_IMAGE_SECURITY } from './berth-image.ts';
import { claimObjects } from './storage.ts';
import { basePodSpec, containerSecurity, imagePullPolicy, resources } from './pod.ts';

const VOLUME = 'backups';
/** The berth image runs as the `node` user (uid/gid 1000); it must be able to write the store. */
const BERTH_GID = 1000;
/** Optional: an admin URL for the automatic test restore (a scratch database needs CREATEDB). */
export const BACKUP_ADMIN_SECRET = 'berth-backup-admin';

export const backupCronJobName = (app: Pick<ResolvedApp, 'name'>) => `${app.name}-backup`;
export const backupClaimName = (app: Pick<ResolvedApp, 'name'>) => `${app.name}-backups`;

export function renderBackup(app: ResolvedApp, cluster: ResolvedCluster): KubeObject[] {
  const settings = app.backups;
  if (!settings) return [];
  const objects: KubeObject[] = [];
  const store = settings.store;
  let volume: V1Volume | undefined;
  // A claim in both cases (an NFS export gets a PersistentVolume bound to it): an inline nfs
  // volume would keep the pod from Pod Security "restricted".
  if ('pvc' in store || 'nfs' in store) {
    const claimName = 'pvc' in store ? (store.pvc.existingClaim ?? backupClaimName(app)) : backupClaimName(app);
    volume = { name: VOLUME, persistentVolumeClaim: { claimName } };
    if ('nfs' in store) {
      objects.push(
        ...claimObjects({
          name: claimName,
          namespace: app.namespace,
          labels: appLabels(app, 'backup'),
          size: DEFAULTS.backups.pvcSize,
          accessMode: 'ReadWriteMany',
          storageClass: undefined,
          nfs: { ...store.nfs, persistentVolumeName: `${app.namespace}-${claimName}-pv` },
        }),
      );
    } else if (!store.pvc.existingClaim) {
      objects.push(
        ...claimObjects({
          name: claimName,
          namespace: app.namespace,
          labels: appLabels(app, 'backup'),
          size: store.pvc.size ?? DEFAULTS.backups.pvcSize,
          accessMode: 'ReadWriteOnce',
          storageClass: store.pvc.storageClass,
          nfs: undefined,
        }),
      );
    }
  }
  const base = basePodSpec(BERTH_IMAGE_SECURITY, cluster);
  const cron: V1CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: backupCronJobName(app), namespace: app.namespace, labels: appLabels(app, 'backup') },
    spec: {
      schedule: settings.schedule!.cron,
      timeZone: settings.schedule!.timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: appLabels(app, 'backup') },
        spec: {
          // A failed backup is not retried at once: the failure is recorded, notified and seen by `check`.
          backoffLimit: 0,
          activeDeadlineSeconds: DEFAULTS.backups.timeout,
          ttlSecondsAfterFinished: 7 * 24 * 3600,
          template: {
            metadata: { labels: appLabels(app, 'backup') },
            spec: {
              ...base,
              // The store's files belong to berth's group, whatever user the app runs as.
              securityContext: { ...base.securityContext, fsGroup: BERTH_GID },
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'backup',
                  image: cluster.berthImage,
                  imagePullPolicy: imagePullPolicy(cluster.berthImage),
                  command: ['berth', ...runnerArgs(app.name, app.environment, settings)],
                  env: backupEnv(app, settings),
                  // The app's DATABASE_URL (and DATABASE_DIRECT_URL behind a pooler).
                  envFrom: [{ secretRef: { name: databaseSecretName(app) } }],
                  volumeMounts: volume ? [{ name: VOLUME, mountPath: DEFAULTS.backups.mountPath }] : undefined,
                  // Streams with flat memory; zstd and pg_dump need CPU, not RAM.
                  resources: resources({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '384Mi' } }),
                  securityContext: containerSecurity(BERTH_IMAGE_SECURITY),
                },
              ],
              volumes: volume ? [volume] : undefined,
            },
          },
        },
      },
    },
  };
  objects.push(kube(cron));
  return objects;
}

function backupEnv(app: ResolvedApp, settings: BackupSettings): V1EnvVar[] {
  // Streaming allocates a buffer per chunk at a high rate; V8 then grows its young generation and
  // holds tens of MB of spent buffers between scavenges. Small semi-spaces keep the pod's memory
  // flat whatever the database's size (bench/backup.mjs: ~110 MB instead of ~150 MB at 1 GB).
  const env: V1EnvVar[] = [{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=2' }];
  if ('s3' in settings.store) {
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      env.push({ name: key, valueFrom: { secretKeyRef: { name: settings.store.s3.credentialsSecret, key } } });
  }
  env.push({ name: 'BERTH_BACKUP_ADMIN_URL', valueFrom: { secretKeyRef: { name: BACKUP_ADMIN_SECRET, key: 'url', optional: true } } });
  const hook = settings.slackWebhook;
  // Only a Secret in the app's own namespace can reach the pod; other references are for the CLI.
  if (hook && 'secret' in hook && hook.secret.namespace === app.namespace) {
    env.push({ name: 'BERTH_SLACK_WEBHOOK', valueFrom: { secretKeyRef: { name: hook.secret.name, key: hook.secret.key } } });
  }
  return env;
}
