/**
 * One app's backups in one environment, read from the store: every sidecar, decoded and checked,
 * with its archive's presence and size. Listing is scoped to the `<environment>/<app>/` prefix,
 * so nothing here can see (or later delete) another app's backups.
 */
import type { ObjectStore } from '../store/store.ts';
import { PARTIAL_MARK } from '../store/directory.ts';
import { backupPrefix, isBackupId, META_SUFFIX } from './layout.ts';
import { type BackupMeta, decodeMeta } from './meta.ts';

export interface CatalogEntry {
  id: string;
  /** Undefined when the sidecar is missing or corrupt (see `problem`). */
  meta: BackupMeta | undefined;
  problem: string | undefined;
  /** Size of the archive in the store, undefined when there is none. */
  archiveBytes: number | undefined;
  /** Store keys that belong to this backup (sidecar, archive, leftovers). */
  keys: string[];
}

export async function readCatalog(store: ObjectStore, app: string, environment: string): Promise<CatalogEntry[]> {
  const prefix = backupPrefix(app, environment);
  const objects = await store.list(prefix);
  const byId = new Map<string, { keys: string[]; sidecar?: string; archive?: { key: string; bytes: number } }>();
  for (const object of objects) {
    const name = object.key.slice(prefix.length);
    const id = name.split('.')[0]!;
    if (!isBackupId(id)) continue;
    const entry = byId.get(id) ?? { keys: [] };
    entry.keys.push(object.key);
    if (name === `${id}${META_SUFFIX}`) entry.sidecar = object.key;
    else if (!name.includes(PARTIAL_MARK) && /\.dump\.(zst|gz)$/.test(name)) entry.archive = { key: object.key, bytes: object.bytes };
    byId.set(id, entry);
  }
  const entries = await Promise.all(
    [...byId.entries()].map(async ([id, found]): Promise<CatalogEntry> => {
      let meta: BackupMeta | undefined;
      let problem: string | undefined;
      if (!found.sidecar) problem = 'no sidecar (an interrupted or foreign backup)';
      else {
        const text = await store.readText(found.sidecar);
        const decoded = text === undefined ? { ok: false as const, problem: 'sidecar vanished' } : decodeMeta(text);
        if (decoded.ok) {
          meta = decoded.meta;
          if (meta.id !== id || meta.app !== app || meta.environment !== environment) {
            problem = `the sidecar describes ${meta.app}/${meta.environment}/${meta.id}`;
            meta = undefined;
          } else if ((meta.status === 'complete' || meta.status === 'verified') && found.archive?.bytes !== meta.bytes) {
            problem = found.archive ? `the archive holds ${found.archive.bytes} bytes, the sidecar says ${meta.bytes}` : 'the archive is missing';
          }
        } else problem = decoded.problem;
      }
      return { id, meta, problem, archiveBytes: found.archive?.bytes, keys: found.keys };
    }),
  );
  // Newest first: by start time (milliseconds), else by id (which starts with the UTC second).
  const key = (e: CatalogEntry) =>
    `${e.meta?.startedAt ?? `${e.id.slice(0, 4)}-${e.id.slice(4, 6)}-${e.id.slice(6, 8)}T${e.id.slice(9, 11)}:${e.id.slice(11, 13)}:${e.id.slice(13, 15)}.000Z`}|${e.id}`;
  return entries.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
}

/** A backup that may be restored: verified, or complete and unverified, with nothing wrong found. */
export function isGood(entry: CatalogEntry): boolean {
  return entry.problem === undefined && (entry.meta?.status === 'verified' || entry.meta?.status === 'complete');
}

export function isVerified(entry: CatalogEntry): boolean {
  return entry.problem === undefined && entry.meta?.status === 'verified';
}

/** The status shown to people: the sidecar's, or `corrupt` when something does not add up. */
export function displayStatus(entry: CatalogEntry): string {
  if (entry.problem) return entry.meta ? 'damaged' : 'corrupt';
  return entry.meta!.status;
}
