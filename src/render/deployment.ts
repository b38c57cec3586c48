/**
 * One Deployment per process. Rolling updates never drop below the desired count
 * (maxUnavailable 0, maxSurge 1); a process holding a single-writer volume is recreated instead,
 * since two pods cannot mount it at once.
 */
import type { V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { ResolvedApp, ResolvedCluster, ResolvedProcess } from '../config/resolved.ts';
import { ANNOTATION, workloadLabels, selectorLabels } from '../model/labels.ts';
import { migrateParts } from './migrate.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';
import { basePodSpec, containerSecurity, envFrom, failoverTolerations, imagePullPolicy, podVolumes, resources, secretEnv, tmpVolume } from './pod.ts';
import { probesFor } from './probes.ts';

const PRESTOP_SECONDS = 5;

export interface PodAnnotations {
  configHash: string;
  secretsHash: string | undefined;
}

export function renderDeployment(app: ResolvedApp, process: ResolvedProcess, cluster: ResolvedCluster, hashes: PodAnnotations): KubeObject {
  const labels = workloadLabels(app, process.name);
  const selector = selectorLabels(app, process.name);
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: process.objectName, namespace: app.namespace, labels, annotations: { [ANNOTATION.imageTag]: app.tag } },
    spec: {
      // With an HPA the replica count belongs to the autoscaler; applying one would fight it.
      replicas: process.hpa ? undefined : process.replicas,
      // Rollback is berth's release records' (releaseHistory); old ReplicaSets serve only the
      // controller's reuse of a recent template and `kubectl rollout undo`. Each one kept is listed
      // and watched by every controller and every deploy (20 apps × 11 was 1 MB per deploy).
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: Math.max(600, process.health.startupTimeout + 120),
      selector: { matchLabels: selector },
      strategy: process.strategy === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: podTemplate(app, process, cluster, hashes),
    },
  };
  return kube(deployment);
}

function podTemplate(app: ResolvedApp, process: ResolvedProcess, cluster: ResolvedCluster, hashes: PodAnnotations): V1PodTemplateSpec {
  const labels = workloadLabels(app, process.name);
  const migrate = process.migrates ? migrateParts(app, process, cluster) : { initContainers: [], volumes: [] };
  const { volumes = [], mounts = [] } = podVolumes(app, process.volumes);
  const tmp = tmpVolume(process.security);
  const allVolumes = [...volumes, ...(tmp ? [tmp.volume] : []), ...migrate.volumes];
  const allMounts = [...mounts, ...(tmp ? [tmp.mount] : [])];
  const spread = process.replicas > 1 || (process.hpa?.max ?? 0) > 1;
  return {
    metadata: {
      labels,
      annotations: {
        [ANNOTATION.configHash]: hashes.configHash,
        ...(hashes.secretsHash ? { [ANNOTATION.secretsHash]: hashes.secretsHash } : {}),
      },
    },
    spec: {
      ...basePodSpec(process.security, cluster),
      initContainers: migrate.initContainers.length ? migrate.initContainers : undefined,
      containers: [
        {
          name: process.container,
          image: process.image,
          imagePullPolicy: imagePullPolicy(process.image),
          command: process.command,
          args: process.args,
          ports: process.port === undefined ? undefined : [{ name: 'http', containerPort: process.port, protocol: 'TCP' }],
          env: secretEnv(app),
          envFrom: envFrom(app),
          resources: resources(process.resources),
          ...probesFor(process),
          // Endpoints are removed asynchronously; keep serving briefly so no request meets a closed port.
          lifecycle: process.port === undefined ? undefined : { preStop: { sleep: { seconds: PRESTOP_SECONDS } } },
          volumeMounts: allMounts.length ? allMounts : undefined,
          securityContext: containerSecurity(process.security),
        },
      ],
      volumes: allVolumes.length ? allVolumes : undefined,
      terminationGracePeriodSeconds: 30,
      tolerations: failoverTolerations(cluster),
      topologySpreadConstraints: spread
        ? [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              // ScheduleAnyway: on a one-node cluster replicas still start, just not spread.
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selectorLabels(app, process.name) },
            },
          ]
        : undefined,
      affinity: spread
        ? {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selectorLabels(app, process.name) } },
                },
              ],
            },
          }
        : undefined,
    },
  };
}
