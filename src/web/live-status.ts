/**
 * `berth status` for the page: each environment read with status-read.ts and summarised with
 * status.ts. While someone watches the overview, one watch per environment (not per viewer)
 * keeps a current status and pushes each change to every viewer; with no viewers left the watch
 * stops. Twenty open pages cost the cluster what one does.
 */
import { readEnvironment, watchEnvironment } from '../ops/status-read.ts';
import { type EnvironmentSnapshot, type EnvironmentStatus, type ExpectedApp, summarise } from '../ops/status.ts';
import type { Site } from './site.ts';

type Listener = (status: EnvironmentStatus) => void;

interface Watch {
  listeners: Set<Listener>;
  controller: AbortController;
  snapshot?: EnvironmentSnapshot;
}

export class LiveStatus {
  private readonly watches = new Map<string, Watch>();
  private readonly site: Site;

  constructor(site: Site) {
    this.site = site;
  }

  async read(environment: string): Promise<EnvironmentStatus> {
    const snapshot = this.watches.get(environment)?.snapshot;
    if (snapshot) return this.summary(environment, snapshot);
    const resolved = this.site.resolved(environment);
    return this.summary(environment, await readEnvironment(this.site.cluster(), resolved.namespace, environment));
  }

  subscribe(environment: string, listener: Listener): () => void {
    let watch = this.watches.get(environment);
    if (!watch) {
      const started: Watch = { listeners: new Set(), controller: new AbortController() };
      watch = started;
      this.watches.set(environment, started);
      const resolved = this.site.resolved(environment);
      void watchEnvironment(this.site.cluster(), resolved.namespace, environment, {
        signal: started.controller.signal,
        onSnapshot: (snapshot) => {
          started.snapshot = snapshot;
          const status = this.summary(environment, snapshot);
          for (const l of started.listeners) l(status);
        },
      })
        .catch((error: Error) => this.site.warn(`watching ${environment} stopped: ${error.message}`))
        .finally(() => {
          if (this.watches.get(environment) === started) this.watches.delete(environment);
        });
    }
    const current = watch;
    current.listeners.add(listener);
    // A viewer joining a running watch gets the current status at once, not at the next change.
    if (current.snapshot) listener(this.summary(environment, current.snapshot));
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        current.controller.abort();
        this.watches.delete(environment);
      }
    };
  }

  stop(): void {
    for (const watch of this.watches.values()) watch.controller.abort();
    this.watches.clear();
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
