/**
 * Long actions started from the page (rollback, restart, backup create/verify/restore/delete) run
 * here, in the server, while the browser follows their steps over server-sent events. The outcome
 * shown is the library call's own: succeeded only when it returned, failed with its error's
 * message and hint when it threw. Each finished action is also written as one JSON line (who,
 * what, when, outcome), berth's structured log for code running in the cluster.
 */
import { randomBytes } from 'node:crypto';

export type JobState = 'running' | 'succeeded' | 'failed';

export interface JobStep {
  at: string;
  text: string;
}

export interface Job {
  id: string;
  /** `rollback web to r4`: what was asked. */
  title: string;
  who: string;
  environment: string;
  app: string;
  startedAt: string;
  finishedAt?: string;
  state: JobState;
  steps: JobStep[];
  /** One sentence: what happened in the end. */
  outcome?: string;
  hint?: string;
}

export type JobEvent = { type: 'step'; step: JobStep } | { type: 'done'; job: Job };

/** What an action returns when it succeeds: the sentence to show. A failure is thrown. */
export type JobRun = (step: (text: string) => void, signal: AbortSignal) => Promise<string>;

const KEPT = 200;

export class Jobs {
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Map<string, Set<(event: JobEvent) => void>>();
  private readonly log: (record: object) => void;
  private readonly stop = new AbortController();

  constructor(options: { log: (record: object) => void }) {
    this.log = options.log;
  }

  start(request: { title: string; who: string; environment: string; app: string }, run: JobRun): Job {
    const job: Job = { id: randomBytes(8).toString('hex'), ...request, startedAt: new Date().toISOString(), state: 'running', steps: [] };
    this.jobs.set(job.id, job);
    if (this.jobs.size > KEPT) this.jobs.delete(this.jobs.keys().next().value!);
    const step = (text: string) => {
      const entry = { at: new Date().toISOString(), text };
      job.steps.push(entry);
      this.emit(job.id, { type: 'step', step: entry });
    };
    void run(step, this.stop.signal).then(
      (outcome) => this.finish(job, 'succeeded', outcome),
      (error: unknown) => {
        const e = error as { message?: string; hint?: string };
        this.finish(job, 'failed', e.message ?? String(error), e.hint);
      },
    );
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Newest first, for one app or all. */
  recent(filter: { environment?: string; app?: string } = {}): Job[] {
    return [...this.jobs.values()]
      .filter((j) => (!filter.environment || j.environment === filter.environment) && (!filter.app || j.app === filter.app))
      .reverse();
  }

  /** Calls `listener` with each later event of the job; returns the unsubscribe. */
  follow(id: string, listener: (event: JobEvent) => void): () => void {
    const set = this.listeners.get(id) ?? new Set();
    set.add(listener);
    this.listeners.set(id, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** Asks running actions to stop at a safe point (server shutdown). */
  abort(): void {
    this.stop.abort();
  }

  private finish(job: Job, state: JobState, outcome: string, hint?: string): void {
    Object.assign(job, { state, outcome, finishedAt: new Date().toISOString(), ...(hint ? { hint } : {}) });
    this.log({
      action: job.title,
      who: job.who,
      environment: job.environment,
      app: job.app,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      result: state,
      outcome,
    });
    this.emit(job.id, { type: 'done', job });
  }

  private emit(id: string, event: JobEvent): void {
    for (const listener of this.listeners.get(id) ?? []) listener(event);
  }
}
