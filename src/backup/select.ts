/** Picking a backup by id (or the newest good one), with errors that say what exists. */
import { BerthError, UsageError } from '../errors.ts';
import { type CatalogEntry, displayStatus, isGood } from './catalog.ts';
import type { BackupMeta } from './meta.ts';

export function selectBackup(catalog: readonly CatalogEntry[], id: string | undefined, where: string, options: { skipSafety?: boolean } = {}): BackupMeta {
  if (id === undefined) {
    // After a restore the newest backup is its safety backup (the data just replaced): restoring
    // "the newest" again must not quietly undo the restore.
    const newest = catalog.find((e) => isGood(e) && !(options.skipSafety && e.meta?.reason === 'safety'));
    if (!newest) throw new BerthError(`No complete backup of ${where}`, { hint: 'berth backup list shows what exists; berth backup create takes one.' });
    return newest.meta!;
  }
  const entry = catalog.find((e) => e.id === id);
  if (!entry) {
    throw new UsageError(`No backup ${id} of ${where}`, {
      hint: `Newest: ${
        catalog
          .slice(0, 3)
          .map((e) => e.id)
          .join(', ') || 'none'
      } (berth backup list).`,
    });
  }
  if (!isGood(entry)) {
    throw new BerthError(
      `Backup ${id} is ${displayStatus(entry)}${entry.problem ? `: ${entry.problem}` : entry.meta?.failure ? ` (${entry.meta.failure.code}: ${entry.meta.failure.message})` : ''}`,
      {
        hint: 'Pick another backup (berth backup list).',
      },
    );
  }
  return entry.meta!;
}
