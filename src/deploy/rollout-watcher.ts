/**
 * Watches every rollout of one deploy through three watches on the namespace (Deployments,
 * ReplicaSets, Pods of the environment), however many apps there are, and hands each tracked
 * Deployment's verdict to its caller whenever it changes. Time-based rules (grace periods,
 * Unschedulable for 15 s, berth's own deadline) are re-evaluated every second on the local copy:
 * no polling of the API.
 */
import type { Cluster } from '../cluster/connect.ts';
import { type RawObject, watchObjects } from '../cluster/watch.ts';
import type { Deployment, Pod, ReplicaSet } from '../model/workloads.ts';
import { type Failure, rolloutVerdict, type Verdict } from './verdict.ts';

export interface RolloutTarget {
  name: string;
  appliedGeneration: number;
  /** ms since epoch; berth's own deadline for this rollout. */
  deadline: number;
  onVerdict?: (verdict: Verdict) => void;
}

type Final = Extract<Verdict, { state: 'done' | 'failed' }>;

export class RolloutWatcher {
  // The watches' own stores (watchObjects keeps each up to date in place), not copies.
  private deployments: ReadonlyMap<string, Deployment> = new Map();
  private replicaSets: ReadonlyMap<string, ReplicaSet> = new Map();
  private pods: ReadonlyMap<string, Pod> = new Map();
  private evaluating: NodeJS.Immediate | undefined;
  /** Deployments whose objects changed since the last evaluation; 'all' after a (re)list. */
  private changed: Set<string> | 'all' = 'all';
  private readonly tracked = new Map<RolloutTarget, { resolve: (v: Final) => void; last: string }>();
  private readonly controller = new AbortController();
  private synced = new Set<string>();
  private ticker: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  readyPromise: Promise<void> | undefined;

  private readonly cluster: Cluster;
  private readonly namespace: string;
  private readonly labelSelector: string;
  private readonly options: { now?: () => number; graceMs?: number; onReconnect?: (reason: string) => void };

  constructor(cluster: Cluster, namespace: string, labelSelector: string, options: RolloutWatcher['options'] = {}) {
    this.cluster = cluster;
    this.namespace = namespace;
    this.labelSelector = labelSelector;
    this.options = options;
  }

  /** Starts the watches; resolves once each has listed its objects. */
  start(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener('abort', () => this.stop(), { once: true });
    this.readyPromise = new Promise<void>((resolve, reject) => {
      const kinds: [string, string, (store: ReadonlyMap<string, RawObject>) => void][] = [
        ['apps/v1', 'Deployment', (store) => (this.deployments = store as ReadonlyMap<string, Deployment>)],
        ['apps/v1', 'ReplicaSet', (store) => (this.replicaSets = store as ReadonlyMap<string, ReplicaSet>)],
        ['v1', 'Pod', (store) => (this.pods = store as ReadonlyMap<string, Pod>)],
      ];
      for (const [apiVersion, kind, keep] of kinds) {
        watchObjects<RawObject>(
          this.cluster,
          { apiVersion, kind, namespace: this.namespace, labelSelector: this.labelSelector },
          {
            signal: this.controller.signal,
            onReconnect: this.options.onReconnect,
            // Judged from the watch's events on top: a verdict needs the generation berth applied.
            cachedFirstList: true,
            onChange: (change, object, live) => {
              keep(live);
              if (change === 'synced') {
                this.synced.add(kind);
                if (this.synced.size === kinds.length) resolve();
              }
              const owner = object && deploymentOf(kind, object);
              if (change === 'synced' || owner === undefined) this.changed = 'all';
              else if (this.changed !== 'all') this.changed.add(owner);
              // Once for all the events that came in together (a pod's change arrives with its
              // ReplicaSet's and Deployment's), and only for the rollouts they belong to: judging
              // all 20 of a deploy on each of its thousand events took a second of CPU.
              this.evaluating ??= setImmediate(() => {
                this.evaluating = undefined;
                this.evaluate(this.changed);
              });
            },
          },
        ).catch((error: Error) => {
          this.failure = error;
          reject(error);
          for (const [target, entry] of this.tracked) {
            entry.resolve({ state: 'failed', progress: emptyProgress(), failure: { code: 'timeout', message: `lost the watch: ${error.message}` } });
            this.tracked.delete(target);
          }
        });
      }
    });
    this.ticker = setInterval(() => this.evaluate(), 1000);
    this.ticker.unref();
    return this.readyPromise;
  }

  /** Resolves with the rollout's final verdict: done, failed, or failed by berth's deadline. */
  track(target: RolloutTarget): Promise<Final> {
    return new Promise<Final>((resolve) => {
      if (this.failure) {
        resolve({ state: 'failed', progress: emptyProgress(), failure: { code: 'timeout', message: `lost the watch: ${this.failure.message}` } });
        return;
      }
      this.tracked.set(target, { resolve, last: '' });
      this.evaluate();
    });
  }

  /** The latest objects, for the diagnosis and the release record. */
  podsOf(deploymentName: string): Pod[] {
    const deployment = this.deployment(deploymentName);
    const selector = deployment?.spec?.selector?.matchLabels ?? {};
    return [...this.pods.values()].filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
  }

  deployment(name: string): Deployment | undefined {
    return this.deployments.get(`${this.namespace}/${name}`);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.evaluating) clearImmediate(this.evaluating);
    this.controller.abort();
  }

  /** Judges the tracked rollouts (those of `changed` only: the others' objects are as last judged). */
  private evaluate(changed: Set<string> | 'all' = 'all'): void {
    if (this.synced.size < 3) return;
    this.changed = new Set();
    const now = (this.options.now ?? Date.now)();
    for (const [target, entry] of this.tracked) {
      if (changed !== 'all' && !changed.has(target.name)) continue;
      const verdict = this.verdictFor(target, now);
      const summary = JSON.stringify(verdict.state === 'progressing' ? [verdict.progress, verdict.waitingFor] : verdict);
      if (summary !== entry.last) {
        entry.last = summary;
        target.onVerdict?.(verdict);
      }
      if (verdict.state !== 'progressing') {
        this.tracked.delete(target);
        entry.resolve(verdict);
      }
    }
  }

  private verdictFor(target: RolloutTarget, now: number): Verdict {
    const deployment = this.deployment(target.name);
    if (!deployment) {
      return now >= target.deadline
        ? { state: 'failed', progress: emptyProgress(), failure: { code: 'timeout', message: `Deployment ${target.name} never appeared` } }
        : { state: 'progressing', progress: emptyProgress(), waitingFor: `Deployment ${target.name}` };
    }
    const owned = [...this.replicaSets.values()].filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid));
    const verdict = rolloutVerdict({
      deployment,
      replicaSets: owned,
      pods: this.podsOf(target.name),
      appliedGeneration: target.appliedGeneration,
      now,
      graceMs: this.options.graceMs,
    });
    if (verdict.state === 'progressing' && now >= target.deadline) {
      const failure: Failure = {
        code: 'timeout',
        message: `still waiting for ${verdict.waitingFor}${verdict.progress.notes.length ? ` (${verdict.progress.notes.join(', ')})` : ''}`,
      };
      const stuck = this.podsOf(target.name).find((p) => !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (stuck) failure.pod = stuck.metadata.name;
      const container = stuck?.spec?.containers[0]?.name;
      if (container) failure.container = container;
      return { state: 'failed', progress: verdict.progress, failure };
    }
    return verdict;
  }
}

/**
 * The Deployment an object belongs to, by name: a ReplicaSet's owner; a pod's ReplicaSet's name
 * less its pod-template-hash (how the Deployment controller names it). Undefined when it cannot
 * tell (judge them all).
 */
function deploymentOf(kind: string, object: RawObject): string | undefined {
  if (kind === 'Deployment') return object.metadata.name;
  const owners = (object.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[];
  if (kind === 'ReplicaSet') return owners.find((o) => o.kind === 'Deployment')?.name;
  const replicaSet = owners.find((o) => o.kind === 'ReplicaSet')?.name;
  const hash = (object.metadata.labels as Record<string, string> | undefined)?.['pod-template-hash'];
  return replicaSet && hash && replicaSet.endsWith(`-${hash}`) ? replicaSet.slice(0, -hash.length - 1) : undefined;
}

function emptyProgress(): Verdict['progress'] {
  return { desired: 0, ready: 0, updated: 0, old: 0, revision: undefined, replicaSet: undefined, notes: [] };
}
