/**
 * The HA and safety checklist, judged on live objects as the API server returns them: pure, so
 * every rule is tested with plain objects. One finding per rule and subject: pass, warn or fail,
 * with the fix. Rules follow what seeds 001 and 003 learned by hand (replicas and spread for
 * production web, PDBs that never block a drain, 10–30 s failover tolerations, probes, requests,
 * network policies, pinned images).
 */
import { LABEL } from '../model/labels.ts';

export type Level = 'pass' | 'warn' | 'fail';

export interface Finding {
  environment: string;
  check: string;
  level: Level;
  /** What the finding is about: `Deployment shop/web`, `app web`. */
  subject: string;
  message: string;
  /** What to change; empty for a pass. */
  fix: string;
}

interface Container {
  name: string;
  image?: string;
  ports?: unknown[];
  readinessProbe?: unknown;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface LiveDeployment {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: {
        containers: Container[];
        tolerations?: { key?: string; effect?: string; tolerationSeconds?: number }[];
        topologySpreadConstraints?: { topologyKey?: string }[];
        affinity?: {
          podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown[]; preferredDuringSchedulingIgnoredDuringExecution?: unknown[] };
        };
      };
    };
  };
}

export interface LivePdb {
  metadata: { name: string };
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: { matchLabels?: Record<string, string> };
    unhealthyPodEvictionPolicy?: string;
  };
}

export interface LiveHpa {
  spec?: { minReplicas?: number; scaleTargetRef?: { kind?: string; name?: string } };
}

export interface LiveNetworkPolicy {
  spec?: { podSelector?: { matchLabels?: Record<string, string> } };
}

export interface LivePod {
  metadata: { labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface LiveEnvironment {
  environment: string;
  namespace: string;
  /** Production rules apply (replicas and spread of web processes). */
  production: boolean;
  deployments: LiveDeployment[];
  pdbs: LivePdb[];
  hpas: LiveHpa[];
  networkPolicies: LiveNetworkPolicy[];
  pods: LivePod[];
  /** Nodes that take pods; undefined when this kubeconfig may not list nodes. */
  nodes?: string[];
}

/** Pods leave a failed node after this many seconds at most; Kubernetes' default is 300. */
export const MAX_EVICTION_SECONDS = 60;

export function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels?.[k] === v);
}

/** `:latest`, or no tag at all, without a digest: what runs changes under the same name. */
export function unpinned(image: string): boolean {
  if (image.includes('@sha256:')) return false;
  const last = image.split('/').at(-1) ?? image;
  const tag = last.includes(':') ? last.split(':').at(-1) : undefined;
  return tag === undefined || tag === 'latest';
}

function amount(value: number | string | undefined, of: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value);
  return percent ? Math.ceil((Number(percent[1]) / 100) * of) : Number(value);
}

export function auditWorkloads(live: LiveEnvironment): Finding[] {
  const findings: Finding[] = [];
  const add = (check: string, level: Level, subject: string, message: string, fix = '') =>
    findings.push({ environment: live.environment, check, level, subject, message, fix });

  for (const d of live.deployments) {
    const subject = `Deployment ${live.namespace}/${d.metadata.name}`;
    const template = d.spec?.template;
    const podLabels = template?.metadata?.labels;
    const containers = template?.spec?.containers ?? [];
    const hpa = live.hpas.find((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name);
    const replicas = hpa?.spec?.minReplicas ?? d.spec?.replicas ?? 1;
    const app = d.metadata.labels?.[LABEL.app];
    const isWeb = d.metadata.labels?.[LABEL.component] === 'web' && containers.some((c) => c.ports?.length);

    if (live.production && isWeb) {
      if (replicas < 2)
        add(
          'replicas',
          'fail',
          subject,
          `runs ${replicas} replica${hpa ? ' at the autoscaler minimum' : ''}: a node failure, a drain or a crash takes the site down`,
          `Set replicas: 2 or more for ${app ?? d.metadata.name} in this environment (or hpa.min ≥ 2).`,
        );
      else {
        add('replicas', 'pass', subject, `${replicas} replicas`);
        const spec = template?.spec;
        const spreads =
          spec?.topologySpreadConstraints?.some((c) => c.topologyKey === 'kubernetes.io/hostname') ||
          Boolean(spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length) ||
          Boolean(spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length);
        const nodesUsed = new Set(
          live.pods
            .filter((p) => !p.metadata.deletionTimestamp && matches(d.spec?.selector?.matchLabels, p.metadata.labels) && p.spec?.nodeName)
            .map((p) => p.spec!.nodeName!),
        );
        if (!spreads)
          add(
            'spread',
            'fail',
            subject,
            'no topology spread or anti-affinity: the scheduler may put every replica on one node',
            'Deploy it with berth (which renders the spread), or add topologySpreadConstraints on kubernetes.io/hostname.',
          );
        else if (live.nodes && live.nodes.length > 1 && nodesUsed.size === 1)
          add(
            'spread',
            'warn',
            subject,
            `spread is set, but all its pods run on ${[...nodesUsed][0]}`,
            'Restart it (berth deploy --restart) once the other nodes take pods again.',
          );
        else add('spread', 'pass', subject, nodesUsed.size ? `pods on ${nodesUsed.size} node${nodesUsed.size > 1 ? 's' : ''}` : 'spread across nodes');
      }
    }

    const pdbs = live.pdbs.filter((p) => matches(p.spec?.selector?.matchLabels, podLabels));
    if (pdbs.length === 0) {
      add(
        'pdb',
        replicas >= 2 ? 'fail' : 'warn',
        subject,
        replicas >= 2 ? `no PodDisruptionBudget: a node drain may evict all ${replicas} pods at once` : 'no PodDisruptionBudget',
        'Deploy it with berth, which renders one per process (minAvailable 1 with several replicas, 0 for one pod).',
      );
    }
    for (const pdb of pdbs) {
      const minAvailable = amount(pdb.spec?.minAvailable, replicas);
      const maxUnavailable = amount(pdb.spec?.maxUnavailable, replicas);
      const blocks = (minAvailable !== undefined && minAvailable >= replicas) || maxUnavailable === 0;
      const pdbSubject = `PodDisruptionBudget ${live.namespace}/${pdb.metadata.name}`;
      if (blocks)
        add(
          'pdb',
          'fail',
          pdbSubject,
          `blocks every node drain: ${minAvailable !== undefined ? `minAvailable ${pdb.spec?.minAvailable}` : 'maxUnavailable 0'} with ${replicas} replica${replicas === 1 ? '' : 's'}`,
          'Use minAvailable 0 for a single pod, or run more replicas than minAvailable.',
        );
      else if (pdb.spec?.unhealthyPodEvictionPolicy !== 'AlwaysAllow')
        add(
          'pdb',
          'warn',
          pdbSubject,
          'pods that are not Ready cannot be evicted: a broken release blocks node drains',
          'Set unhealthyPodEvictionPolicy: AlwaysAllow (berth renders it).',
        );
      else add('pdb', 'pass', pdbSubject, `allows drains and keeps ${minAvailable ?? replicas - (maxUnavailable ?? 0)} of ${replicas}`);
    }

    for (const c of containers) {
      const where = `${subject} container ${c.name}`;
      if (c.image && unpinned(c.image))
        add(
          'image',
          'fail',
          where,
          `image ${c.image} is not pinned: every pull may run different code and a rollback cannot bring the old one back`,
          'Deploy with a tag (--tag) or a digest; never :latest.',
        );
      else add('image', 'pass', where, `image ${c.image ?? '(none)'}`);
      if (c.ports?.length && !c.readinessProbe)
        add(
          'probes',
          'fail',
          where,
          'serves a port but has no readiness probe: traffic reaches it before it can answer, and rollouts cannot tell a broken release',
          'Set health.path (an HTTP check) or keep the TCP check berth renders.',
        );
      else if (c.ports?.length) add('probes', 'pass', where, 'readiness probe set');
      const requests = c.resources?.requests ?? {};
      if (!requests.cpu || !requests.memory)
        add(
          'requests',
          'warn',
          where,
          `no ${[!requests.cpu && 'CPU', !requests.memory && 'memory'].filter(Boolean).join(' or ')} request: the scheduler packs it blindly and it is evicted first under pressure`,
          'Set resources.requests (berth defaults to 50m / 128Mi).',
        );
      else if (!c.resources?.limits?.memory) add('requests', 'warn', where, 'no memory limit: a leak can take the node down', 'Set resources.limits.memory.');
      else add('requests', 'pass', where, `requests ${requests.cpu} / ${requests.memory}, memory limit ${c.resources.limits.memory}`);
    }

    const tolerations = template?.spec?.tolerations ?? [];
    const fast = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].every((key) =>
      tolerations.some((t) => t.key === key && t.effect === 'NoExecute' && t.tolerationSeconds !== undefined && t.tolerationSeconds <= MAX_EVICTION_SECONDS),
    );
    if (fast) add('tolerations', 'pass', subject, 'leaves a failed node quickly');
    else
      add(
        'tolerations',
        'warn',
        subject,
        `no short not-ready/unreachable tolerations: its pods stay on a dead node for 300 s (Kubernetes' default)`,
        `Deploy it with berth (cluster.nodeFailureEviction, default 30 s; seed 003 uses 10 s).`,
      );

    if (
      !live.networkPolicies.some(
        (n) => n.spec?.podSelector && (Object.keys(n.spec.podSelector.matchLabels ?? {}).length === 0 || matches(n.spec.podSelector.matchLabels, podLabels)),
      )
    )
      add(
        'network-policy',
        'warn',
        subject,
        'no NetworkPolicy selects its pods: any pod in the cluster can reach them',
        'Leave networkPolicy on (berth renders one per app), or add one.',
      );
    else add('network-policy', 'pass', subject, 'a NetworkPolicy selects its pods');
  }
  return findings;
}

export function summarize(findings: Finding[]): { pass: number; warn: number; fail: number } {
  return {
    pass: findings.filter((f) => f.level === 'pass').length,
    warn: findings.filter((f) => f.level === 'warn').length,
    fail: findings.filter((f) => f.level === 'fail').length,
  };
}
