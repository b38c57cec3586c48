/** `berth backup delete` and the admin page's delete button: one backup, never the newest verified one unless forced. */
import { BerthError, ExitCode, UsageError } from '../errors.ts';
import type { ObjectStore } from '../store/store.ts';
import { isVerified, readCatalog } from './catalog.ts';
import { recordDeletion } from './deletions.ts';

export async function deleteBackup(
  store: ObjectStore,
  request: { app: string; environment: string; id: string; force: boolean; refusedHint?: string; by?: string; warn?: (message: string) => void },
): Promise<void> {
  const { app, environment, id } = request;
  const catalog = await readCatalog(store, app, environment);
  const entry = catalog.find((e) => e.id === id);
  if (!entry) throw new UsageError(`No backup ${id} of ${app} in ${environment}`, { hint: 'berth backup list shows the ids.' });
  if (catalog.find(isVerified) === entry && !request.force) {
    throw new BerthError(`${id} is the newest verified backup of ${app} in ${environment}; not deleting it`, {
      exitCode: ExitCode.conflict,
      hint: request.refusedHint ?? 'Take and verify a newer one first, or pass --force.',
    });
  }
  // The sidecar goes last: a delete cut short leaves a backup listed as damaged, never an unlisted archive.
  const keys = [...entry.keys].sort((a, b) => Number(a.endsWith('.meta.json')) - Number(b.endsWith('.meta.json')));
  for (const key of keys) await store.remove(key);
  // The backup is gone whatever happens next: a record that cannot be written is a warning.
  await recordDeletion(store, app, environment, { id, at: new Date().toISOString(), by: request.by }).catch((error: Error) =>
    request.warn?.(`backup ${id} was deleted, but the record of who deleted it could not be written: ${error.message}`),
  );
}
