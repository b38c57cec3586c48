/**
 * `berth status` for the page: each environment read with status-read.ts and summarised with
 * status.ts. The first look at an environment reads it (seven requests) and starts a watch of it
 * (status-read.ts's, list + watch) that keeps a current snapshot: later page loads are served
 * from memory, and every viewer of the live overview gets each change pushed from that one
 * watch — twenty open pages cost the cluster what one does. With no viewer and no page load for
 * five minutes the watch stops.
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
  idleTimer?: NodeJS.Timeout;
}

export class LiveStatus {
  private readonly watches = new Map<string, Watch>();
  private readonly site: Site;
  private readonly lingerMs: number;

  constructor(site: Site, options: { lingerMs?: number } = {}) {
    this.site = site;
    this.lingerMs = options.lingerMs ?? LINGER_MS;
  }

  async read(environment: string): Promise<EnvironmentStatus> {
    const watch = this.watch(environment);
    this.idle(environment, watch);
    if (watch.snapshot) return this.summary(environment, watch.snapshot);
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
    const watch: Watch = { listeners: new Set(), controller: new AbortController() };
    this.watches.set(environment, watch);
    void watchEnvironment(this.site.cluster(), resolved.namespace, environment, {
      signal: watch.controller.signal,
      onSnapshot: (snapshot) => {
        watch.snapshot = snapshot;
        if (watch.listeners.size === 0) return;
        const status = this.summary(environment, snapshot);
        for (const l of watch.listeners) l(status);
      },
    })
      .catch((error: Error) => this.site.warn(`watching ${environment} stopped: ${error.message}`))
      .finally(() => {
        clearTimeout(watch.idleTimer);
        if (this.watches.get(environment) === watch) this.watches.delete(environment);
      });
    return watch;
  }

  /** With nobody watching, the watch stops after a while unless used again. */
  private idle(environment: string, watch: Watch): void {
    if (watch.listeners.size > 0) return;
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
