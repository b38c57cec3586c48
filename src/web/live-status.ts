/**
 * `berth status` for the page: each environment read with status-read.ts and summarised with
 * status.ts. The first look at an environment reads it (seven requests) and starts a watch of it
 * (status-read.ts's, list + watch) that keeps a current snapshot: later page loads are served
 * from memory, and every viewer of the live overview gets each change pushed from that one
 * watch — twenty open pages cost the cluster what one does. The server starts the watches when it
 * starts; locally, with no viewer and no page load for five minutes a watch stops (the next look
 * starts it again), in the cluster it keeps running.
 */
import { readEnvironment, watchEnvironment } from '../ops/status-read.ts';
import { type EnvironmentSnapshot, type EnvironmentStatus, type ExpectedApp, summarise } from '../ops/status.ts';
import type { Site } from './site.ts';

type Listener = (status: EnvironmentStatus) => void;

const LINGER_MS = 5 * 60_000;

interface Watch {
  listeners: Set<Listener>;
  controller: AbortController;
  snapshot?: EnvironmentSnapshot;
  /** The watch's first snapshot: a page load that arrives before it waits for it, not for a read of its own. */
  first: PromiseWithResolvers<EnvironmentSnapshot>;
  idleTimer?: NodeJS.Timeout;
}

export class LiveStatus {
  private readonly watches = new Map<string, Watch>();
  private readonly site: Site;
  private readonly lingerMs: number;

  private readonly keepWatching: boolean;

  /** keepWatching: the in-cluster server's watches never stop, so no page load waits for a read. */
  constructor(site: Site, options: { lingerMs?: number; keepWatching?: boolean } = {}) {
    this.site = site;
    this.lingerMs = options.lingerMs ?? LINGER_MS;
    this.keepWatching = options.keepWatching ?? false;
  }

  /** Starts watching these environments before anyone looks: the first page load is served from memory. */
  start(environments: string[]): void {
    for (const environment of environments) this.idle(environment, this.watch(environment));
  }

  async read(environment: string): Promise<EnvironmentStatus> {
    const watch = this.watch(environment);
    this.idle(environment, watch);
    if (watch.snapshot) return this.summary(environment, watch.snapshot);
    const first = await watch.first.promise.catch(() => undefined);
    if (first) return this.summary(environment, first);
    // The watch failed: a read of its own says why (the page shows the error), or succeeds.
    const resolved = this.site.resolved(environment);
    return this.summary(environment, await readEnvironment(this.site.cluster(), resolved.namespace, environment));
  }

  subscribe(environment: string, listener: Listener): () => void {
    const watch = this.watch(environment);
    clearTimeout(watch.idleTimer);
    watch.listeners.add(listener);
    // A viewer joining a running watch gets the current status at once, not at the next change.
    if (watch.snapshot) listener(this.summary(environment, watch.snapshot));
    return () => {
      watch.listeners.delete(listener);
      this.idle(environment, watch);
    };
  }

  stop(): void {
    for (const watch of this.watches.values()) {
      clearTimeout(watch.idleTimer);
      watch.controller.abort();
    }
    this.watches.clear();
  }

  private watch(environment: string): Watch {
    const running = this.watches.get(environment);
    if (running) return running;
    const resolved = this.site.resolved(environment);
    const watch: Watch = { listeners: new Set(), controller: new AbortController(), first: Promise.withResolvers<EnvironmentSnapshot>() };
    watch.first.promise.catch(() => {});
    this.watches.set(environment, watch);
    // Through a promise, so a cluster that cannot even be opened is a warning, not a thrown start.
    void Promise.resolve()
      .then(() =>
        watchEnvironment(this.site.cluster(), resolved.namespace, environment, {
          signal: watch.controller.signal,
          onSnapshot: (snapshot) => {
            watch.snapshot = snapshot;
            watch.first.resolve(snapshot);
            if (watch.listeners.size === 0) return;
            const status = this.summary(environment, snapshot);
            for (const l of watch.listeners) l(status);
          },
        }),
      )
      .catch((error: Error) => this.site.warn(`watching ${environment} stopped: ${error.message}`))
      .finally(() => {
        watch.first.reject(new Error(`the watch of ${environment} ended`));
        clearTimeout(watch.idleTimer);
        if (this.watches.get(environment) === watch) this.watches.delete(environment);
      });
    return watch;
  }

  /** With nobody watching, the watch stops after a while unless used again. */
  private idle(environment: string, watch: Watch): void {
    if (watch.listeners.size > 0 || this.keepWatching) return;
    clearTimeout(watch.idleTimer);
    watch.idleTimer = setTimeout(() => {
      if (watch.listeners.size > 0) return;
      watch.controller.abort();
      if (this.watches.get(environment) === watch) this.watches.delete(environment);
    }, this.lingerMs);
    watch.idleTimer.unref();
  }

  private summary(environment: string, snapshot: EnvironmentSnapshot): EnvironmentStatus {
    const expected: ExpectedApp[] = this.site.resolved(environment).apps.map((a) => ({
      name: a.name,
      processes: a.processes.map((p) => ({ name: p.name, objectName: p.objectName })),
      cron: a.cron.map((c) => ({ name: c.name, objectName: c.objectName })),
    }));
    return summarise(snapshot, expected, Date.now());
  }
}
