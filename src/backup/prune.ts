/**
 * `berth backup prune`: applies the retention plan to one app's backups in one environment. Only
 * keys under that app's prefix are ever listed, so only they can be deleted. A dry run unless
 * `apply`.
 */
import type { ObjectStore } from '../store/store.ts';
import { displayStatus, readCatalog } from './catalog.ts';
import { planRetention, type RetentionDecision, type RetentionPolicy, type RetentionStatus } from './retention.ts';

export interface PruneResult {
  decisions: (RetentionDecision & { startedAt: string; status: string; bytes: number | undefined })[];
  deleted: string[];
}

export async function pruneBackups(request: {
  store: ObjectStore;
  app: string;
  environment: string;
  policy: RetentionPolicy;
  now: Date;
  apply: boolean;
}): Promise<PruneResult> {
  const catalog = await readCatalog(request.store, request.app, request.environment);
  const items = catalog.map((entry) => ({
    id: entry.id,
    startedAt: entry.meta ? new Date(entry.meta.startedAt) : idTime(entry.id),
    status: (entry.problem ? 'corrupt' : entry.meta!.status) as RetentionStatus,
  }));
  const decisions = planRetention(items, request.policy, request.now);
  const byId = new Map(catalog.map((e) => [e.id, e]));
  const deleted: string[] = [];
  if (request.apply) {
    for (const decision of decisions.filter((d) => !d.keep)) {
      // The archive first, the sidecar last: an interrupted prune leaves a sidecar, never a nameless archive.
      const keys = [...byId.get(decision.id)!.keys].sort((a, b) => Number(a.endsWith('.meta.json')) - Number(b.endsWith('.meta.json')));
      for (const key of keys) await request.store.remove(key);
      deleted.push(decision.id);
    }
  }
  return {
    decisions: decisions.map((d) => {
      const entry = byId.get(d.id)!;
      return { ...d, startedAt: entry.meta?.startedAt ?? idTime(d.id).toISOString(), status: displayStatus(entry), bytes: entry.archiveBytes };
    }),
    deleted,
  };
}

/** 20260301T030000Z-1a2b → its time. */
export function idTime(id: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : new Date(0);
}
