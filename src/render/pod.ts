/**
 * Pieces of a pod spec shared by Deployments, CronJobs and the migrate init container: the
 * environment an app sees, its volumes, and the cluster-wide scheduling rules.
 */
import type {
  V1EnvFromSource,
  V1EnvVar,
  V1PodSpec,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { DEFAULTS } from '../config/defaults.ts';
import type { ResolvedApp, ResolvedCluster, Resources, Security } from '../config/resolved.ts';
import { parseImage } from '../config/image-ref.ts';
import { configMapName, databaseSecretName } from '../model/names.ts';

export function envFrom(app: ResolvedApp): V1EnvFromSource[] | undefined {
  const sources: V1EnvFromSource[] = [];
  if (Object.keys(app.env).length > 0) sources.push({ configMapRef: { name: configMapName(app) } });
  if (app.database) sources.push({ secretRef: { name: databaseSecretName(app) } });
  return sources.length ? sources : undefined;
}

/** Each declared secret by name, so a missing one stops the pod with a message naming it. */
export function secretEnv(app: ResolvedApp): V1EnvVar[] | undefined {
  if (app.secrets.length === 0) return undefined;
  return [...app.secrets].sort().map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: app.secretName, key } } }));
}

export function resources(r: Resources): V1ResourceRequirements {
  const pick = (o: { cpu?: string; memory?: string }) => (Object.keys(o).length ? { ...o } : undefined);
  return { requests: pick(r.requests), limits: pick(r.limits) };
}

export function imagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const { tag, digest } = parseImage(image);
  // A moving tag must be pulled every time or a restarted pod can run an old build (seed 000).
  return !digest && (tag === undefined || tag === 'latest') ? 'Always' : 'IfNotPresent';
}

/**
 * Every container drops ALL capabilities and may not gain privileges. A container allowed to
 * start as root gets back only the few capabilities root images need (DEFAULTS.security): Pod
 * Security "baseline". A non-root one adds nothing it did not ask for: "restricted".
 */
export function containerSecurity(security: Security): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'], add: security.capabilities.length ? [...security.capabilities] : undefined },
    runAsNonRoot: security.nonRoot || undefined,
    runAsUser: security.runAsUser,
    runAsGroup: security.runAsGroup,
    readOnlyRootFilesystem: security.readOnlyRootFilesystem || undefined,
  };
}

/** A read-only root filesystem still gets a writable /tmp: most runtimes need one. */
export function tmpVolume(security: Security): { volume: V1Volume; mount: V1VolumeMount } | undefined {
  if (!security.readOnlyRootFilesystem) return undefined;
  return { volume: { name: TMP_VOLUME, emptyDir: { sizeLimit: DEFAULTS.security.tmpSize } }, mount: { name: TMP_VOLUME, mountPath: '/tmp' } };
}

const TMP_VOLUME = 'tmp';

/** Shared pod-level settings: pull secret, service links off, no API token unless needed. */
export function basePodSpec(security: Security, cluster: ResolvedCluster): Partial<V1PodSpec> {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    imagePullSecrets: cluster.imagePullSecret ? [{ name: cluster.imagePullSecret }] : undefined,
    securityContext: {
      fsGroup: security.fsGroup,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/** Leave a dead node after `nodeFailureEviction` seconds instead of Kubernetes' 300 (seed 003). */
export function failoverTolerations(cluster: ResolvedCluster): V1Toleration[] {
  return ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: cluster.nodeFailureEviction,
  }));
}

export function podVolumes(app: ResolvedApp, names: string[]): { volumes?: V1Volume[]; mounts?: V1VolumeMount[] } {
  const used = app.volumes.filter((v) => names.includes(v.name));
  if (used.length === 0) return {};
  return {
    volumes: used.map((v) => ({ name: v.name, persistentVolumeClaim: { claimName: v.claimName, readOnly: v.readOnly || undefined } })),
    mounts: used.map((v) => ({ name: v.name, mountPath: v.mountPath, subPath: v.subPath, readOnly: v.readOnly || undefined })),
  };
}
