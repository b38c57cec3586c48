/**
 * The fields berth reads from live workload objects, as the API server sends them (plain JSON:
 * timestamps are strings). client-node's model classes describe the same objects with Dates,
 * which is what its typed serializer produces, not what a watch delivers.
 */

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
  containerID?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    containers: { name: string; image?: string; readinessProbe?: { httpGet?: { path?: string; port?: number | string } } }[];
    initContainers?: { name: string; image?: string }[];
  };
}

export interface Deployment {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    strategy?: { type?: string };
    template?: PodTemplate;
    progressDeadlineSeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ReplicaSet {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec?: { replicas?: number; template?: PodTemplate };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; conditions?: Condition[] };
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec?: { nodeName?: string; containers: { name: string; image?: string }[]; initContainers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface KubeEvent {
  metadata: Meta;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string; uid?: string };
}

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const POD_TEMPLATE_HASH = 'pod-template-hash';

export function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod): boolean {
  return condition(pod.status?.conditions, 'Ready')?.status === 'True';
}
