/**
 * Who deleted which backup, and when: a deleted backup leaves no sidecar to say so, so the store
 * keeps a short record beside the app's backups (`<environment>/<app>.deletions.json`, outside
 * the app's prefix, so no listing mistakes it for a backup). `berth backup list` and the admin
 * page show it.
 */
import type { ObjectStore } from '../store/store.ts';

export interface Deletion {
  id: string;
  at: string;
  /** `web:<user>` from the admin page, the operator's name from the CLI. */
  by: string | undefined;
}

const KEPT = 50;

export function deletionsKey(app: string, environment: string): string {
  return `${environment}/${app}.deletions.json`;
}

/** Newest first; a missing or unreadable record is an empty one (it only ever informs). */
export async function readDeletions(store: ObjectStore, app: string, environment: string): Promise<Deletion[]> {
  const text = await store.readText(deletionsKey(app, environment)).catch(() => undefined);
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as { deletions?: Deletion[] };
    return Array.isArray(parsed.deletions) ? parsed.deletions.filter((d) => typeof d?.id === 'string' && typeof d.at === 'string') : [];
  } catch {
    return [];
  }
}

export async function recordDeletion(store: ObjectStore, app: string, environment: string, deletion: Deletion): Promise<void> {
  const kept = [deletion, ...(await readDeletions(store, app, environment))].slice(0, KEPT);
  await store.writeText(deletionsKey(app, environment), `${JSON.stringify({ deletions: kept }, null, 2)}\n`);
}
