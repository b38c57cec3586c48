/**
 * The admin page's server in the cluster: its Namespace (Pod Security "restricted" enforced),
 * ServiceAccount, the project's config as JSON in a ConfigMap, a Deployment running `berth web
 * --in-cluster` from berth's image, and its Service. RBAC is in platform/web-access.ts, the way
 * in (Ingress, NetworkPolicy) in web-ingress.ts.
 */
import type { V1ConfigMap, V1Deployment, V1Namespace, V1Probe, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import type { ResolvedWeb } from '../config/resolved.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { contentHash } from '../model/hash.ts';
import { kube, type KubeObject } from '../model/kube-object.ts';
import { ANNOTATION, KEEP_ON_PRUNE, LABEL, platformLabels } from '../model/labels.ts';
import { WEB } from '../model/web-names.ts';
import { DEFAULTS } from '../config/defaults.ts';
import { BERTH_IMAGE_SECURITY } from './berth-image.ts';
import { claimObjects } from './storage.ts';
import { containerSecurity, failoverTolerations, imagePullPolicy, resources, tmpVolume } from './pod.ts';

export const webLabels = () => ({ ...platformLabels('web'), [LABEL.name]: WEB.name });
const selector = () => ({ [LABEL.name]: WEB.name, 'berth.dev/platform': 'web' });

/** berth's image as uid 1000 with nothing writable but /tmp: Pod Security "restricted". */
const SECURITY = { ...BERTH_IMAGE_SECURITY, readOnlyRootFilesystem: true };

export function renderWebServer(web: ResolvedWeb, config: ParsedConfig): KubeObject[] {
  const metadata = { name: WEB.name, namespace: web.namespace, labels: webLabels() };
  const namespace: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: web.namespace,
      // The API server itself refuses any pod here that is not "restricted".
      labels: { ...platformLabels('web'), 'pod-security.kubernetes.io/enforce': 'restricted' },
      annotations: KEEP_ON_PRUNE,
    },
  };
  // Its token is mounted into the pod (the server reads the environments through it); no Secret of its own.
  const account: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata };
  const json = webConfigJson(config);
  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: WEB.configMap, namespace: web.namespace, labels: webLabels() },
    data: { [WEB.configFile]: json },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { type: 'ClusterIP', selector: selector(), ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
  const nfs = config.backups?.store && 'nfs' in config.backups.store ? config.backups.store.nfs : undefined;
  // An NFS backup store (seed 004's NAS) reaches the page through a claim of its own, bound to a
  // PersistentVolume of the same export: an inline nfs volume is not allowed under "restricted",
  // and the CronJobs' claims live in the environments' namespaces. A PVC store has no such way in.
  const claim = nfs
    ? claimObjects({
        name: WEB.backupsClaim,
        namespace: web.namespace,
        labels: webLabels(),
        size: DEFAULTS.backups.pvcSize,
        accessMode: 'ReadWriteMany',
        storageClass: undefined,
        nfs: { ...nfs, persistentVolumeName: `${web.namespace}-${WEB.backupsClaim}-pv` },
      })
    : [];
  return [kube(namespace), kube(account), kube(configMap), ...claim, renderWebDeployment(web, contentHash(json), nfs !== undefined), kube(service)];
}

function renderWebDeployment(web: ResolvedWeb, configHash: string, backupsClaim: boolean): KubeObject {
  const tmp = tmpVolume(SECURITY)!;
  const health: V1Probe = { httpGet: { path: '/healthz', port: 'http' }, timeoutSeconds: 3 };
  const image = web.cluster.berthImage;
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: WEB.name, namespace: web.namespace, labels: webLabels() },
    spec: {
      replicas: web.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector() },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        // A new config rolls the pods: the server reads it once, at start.
        metadata: { labels: webLabels(), annotations: { [ANNOTATION.configHash]: configHash } },
        spec: {
          serviceAccountName: WEB.name,
          // The one pod of berth's that talks to the API server: through its ServiceAccount's token.
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          imagePullSecrets: web.cluster.imagePullSecret ? [{ name: web.cluster.imagePullSecret }] : undefined,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: SECURITY.runAsUser,
            runAsGroup: SECURITY.runAsGroup,
            // The mounted token files are readable by the server's group, and by no one else.
            fsGroup: SECURITY.runAsGroup,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          tolerations: failoverTolerations(web.cluster),
          containers: [
            {
              name: 'web',
              image,
              imagePullPolicy: imagePullPolicy(image),
              command: ['berth', 'web', '--in-cluster', ...(backupsClaim ? ['--store-dir', DEFAULTS.backups.mountPath] : [])],
              workingDir: WEB.configDir,
              env: [
                ...databaseAdminEnv(web),
                { name: 'NODE_ENV', value: 'production' },
                // Backups stream through this process as through the backup CronJob's: small
                // semi-spaces keep its memory flat (see backup-cronjob.ts).
                { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2' },
              ],
              ports: [{ name: 'http', containerPort: web.port, protocol: 'TCP' }],
              // Readiness takes the pod out of the Service while it cannot answer; liveness restarts
              // it only after half a minute without an answer, so a slow API server never restarts it.
              readinessProbe: { ...health, periodSeconds: 5, failureThreshold: 2 },
              livenessProbe: { ...health, periodSeconds: 10, failureThreshold: 3 },
              resources: resources(web.resources),
              securityContext: containerSecurity(SECURITY),
              volumeMounts: [
                { name: 'config', mountPath: WEB.configDir, readOnly: true },
                { name: 'tokens', mountPath: WEB.tokensDir, readOnly: true },
                ...(backupsClaim ? [{ name: 'backups', mountPath: DEFAULTS.backups.mountPath }] : []),
                tmp.mount,
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: WEB.configMap } },
            // Optional: the pod starts before the first `berth web token add` (and then lets no one in).
            { name: 'tokens', secret: { secretName: WEB.tokensSecret, defaultMode: 0o440, optional: true } },
            ...(backupsClaim ? [{ name: 'backups', persistentVolumeClaim: { claimName: WEB.backupsClaim } }] : []),
            tmp.volume,
          ],
        },
      },
    },
  };
  return kube(deployment);
}

/** A database admin credential given as a variable reaches the pod from an optional Secret in its namespace. */
function databaseAdminEnv(web: ResolvedWeb) {
  const admin = web.databaseAdmin;
  if (!admin || !('env' in admin)) return [];
  return [{ name: admin.env, valueFrom: { secretKeyRef: { name: WEB.databaseAdminSecret, key: 'url', optional: true } } }];
}

/**
 * The project's config as the server loads it from its working directory: JSON in the file's own
 * order (the first environment stays the default one), so an unchanged config gives the same
 * bytes and never rolls the pods. `cluster.context` is dropped: in
 * the pod the ServiceAccount is the only identity, and a kubeconfig context there does not exist.
 * The config holds no secret values (credentials are references), so a ConfigMap is the place.
 */
export function webConfigJson(config: ParsedConfig): string {
  const { context: _context, ...cluster } = config.cluster ?? {};
  return `${JSON.stringify({ ...config, cluster }, null, 2)}\n`;
}
