/**
 * `berth backup restore`: a safety backup of the live database first; the chosen backup restored
 * into a new database beside the live one and checked (sha256, row counts); then an atomic swap
 * (swap.ts). The previous database is kept, closed to connections, until `--drop-previous`. A
 * failure at any step before the swap leaves the live database untouched and serving; the swap
 * itself is one transaction. The app's migrations run when its pods restart (the migrate init
 * container), which the command triggers.
 */
import type { DatabaseIdentity } from '../model/database-names.ts';
import type { ObjectStore } from '../store/store.ts';
import { createBackup } from './dump.ts';
import { rootCause } from './failure.ts';
import type { BackupMeta, Compression } from './meta.ts';
import type { Notifier } from './notify.ts';
import { asideName, randomTag, restoreInto } from './restore-into.ts';
import { swapDatabases } from './swap.ts';
import { verifyBackup } from './verify.ts';

export interface RestoreRequest {
  adminUrl: string;
  identity: DatabaseIdentity;
  store: ObjectStore;
  meta: BackupMeta;
  compression: Compression;
  notifier: Notifier;
  /** Restore beside the live database under this name, for inspection; nothing is swapped. */
  toDatabase?: string;
  /** Who restores, recorded in the safety backup's sidecar (the admin page's `web:<user>`). */
  by?: string;
  clock?: () => Date;
  signal?: AbortSignal;
  onProgress?: (step: string) => void;
}

export interface RestoreResult {
  backup: string;
  database: string;
  /** Where the replaced database went (kept until --drop-previous). */
  previous?: string;
  safetyBackup?: string;
  terminatedSessions: number;
  durationMs: number;
}

export const PREVIOUS_PURPOSE = 'previous-before-restore';

export async function restoreBackup(request: RestoreRequest): Promise<RestoreResult> {
  const { identity, meta, signal } = request;
  const clock = request.clock ?? (() => new Date());
  const started = Date.now();
  const progress = request.onProgress ?? (() => {});
  const where = `${identity.app} in ${identity.environment}`;
  if (request.toDatabase) {
    progress(`restoring ${meta.id} into ${request.toDatabase}`);
    await restoreInto({ ...request, database: request.toDatabase, purpose: `restored-aside ${meta.id}` });
    return { backup: meta.id, database: request.toDatabase, terminatedSessions: 0, durationMs: Date.now() - started };
  }
  await request.notifier.send('restore-started', `Restoring ${where} from backup ${meta.id} (${meta.startedAt})`);
  try {
    progress('taking a safety backup of the live database');
    const safety = await createBackup({
      app: identity.app,
      environment: identity.environment,
      source: { url: request.adminUrl, label: 'the admin connection', database: identity.database, role: identity.role },
      store: request.store,
      reason: 'safety',
      by: request.by,
      compression: request.compression,
      clock,
      signal,
    });
    await verifyBackup({ store: request.store, meta: safety, clock, signal });
    const restored = asideName(identity.database, randomTag('restore'));
    progress(`restoring ${meta.id} into ${restored} and checking row counts`);
    await restoreInto({ ...request, database: restored, purpose: `restoring ${meta.id}` });
    const previous = asideName(identity.database, `prev_${clock().toISOString().replace(/\D/g, '').slice(0, 12)}`);
    progress(`swapping ${restored} in; the live database becomes ${previous}`);
    const swap = await swapDatabases(request.adminUrl, identity, restored, previous, `${PREVIOUS_PURPOSE} ${meta.id}`);
    const result = {
      backup: meta.id,
      database: identity.database,
      previous,
      safetyBackup: safety.id,
      terminatedSessions: swap.terminatedSessions,
      durationMs: Date.now() - started,
    };
    await request.notifier.send(
      'restore-completed',
      `Restored ${where} from backup ${meta.id}; the previous database is kept as ${previous} (safety backup ${safety.id})`,
    );
    return result;
  } catch (error) {
    const failure = rootCause([error], signal);
    await request.notifier.send(
      'restore-failed',
      `Restore of ${where} from ${meta.id} failed (${failure.code}): ${failure.message}. The live database was not changed.`,
    );
    throw failure;
  }
}
