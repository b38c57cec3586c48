/**
 * The scheduled run (the backup CronJob's `berth backup run`): back up, verify (a full
 * read-through every time, a test restore when the last one is older than `restoreTestDays` and
 * an admin connection is available), then apply retention. Notifications go out after each
 * outcome is recorded, so a failing webhook never changes it.
 */
import type { DatabaseIdentity } from '../model/database-names.ts';
import type { ObjectStore } from '../store/store.ts';
import { readCatalog } from './catalog.ts';
import { createBackup, type DatabaseSource } from './dump.ts';
import { rootCause } from './failure.ts';
import type { BackupMeta, Compression } from './meta.ts';
import type { Notifier } from './notify.ts';
import { pruneBackups } from './prune.ts';
import { asideName, dropDatabase, randomTag, restoreInto } from './restore-into.ts';
import type { RetentionPolicy } from './retention.ts';
import { verifyBackup } from './verify.ts';

export interface RunnerRequest {
  identity: DatabaseIdentity;
  source: DatabaseSource;
  /** Needed for the test restore (creating a scratch database); without it the test is skipped. */
  adminUrl: string | undefined;
  store: ObjectStore;
  compression: Compression;
  retention: RetentionPolicy;
  restoreTestDays: number;
  notifier: Notifier;
  /** One structured log record (a JSON line in the cluster). */
  log: (event: string, fields?: Record<string, unknown>) => void;
  clock?: () => Date;
  signal?: AbortSignal;
}

export interface RunnerResult {
  backup: BackupMeta;
  restoreTest: 'done' | 'not-due' | 'skipped-no-admin' | 'disabled';
  pruned: string[];
}

const DAY = 86_400_000;

export async function runScheduledBackup(request: RunnerRequest): Promise<RunnerResult> {
  const { identity, store, notifier, log, signal } = request;
  const clock = request.clock ?? (() => new Date());
  const where = `${identity.app} in ${identity.environment}`;
  let meta: BackupMeta;
  try {
    meta = await createBackup({
      app: identity.app,
      environment: identity.environment,
      source: request.source,
      store,
      reason: 'scheduled',
      compression: request.compression,
      clock,
      signal,
      onProgress: (e) => log(`backup-${e.phase}`, { id: e.id, bytes: e.bytes }),
    });
  } catch (error) {
    const failure = rootCause([error], signal);
    log('backup-failed', { code: failure.code, message: failure.message });
    await notifier.send('backup-failed', `Scheduled backup of ${where} failed (${failure.code}): ${failure.message}`);
    throw failure;
  }
  const due = await restoreTestDue(request, clock());
  const restoreTest: RunnerResult['restoreTest'] = due === 'due' ? (request.adminUrl ? 'done' : 'skipped-no-admin') : due;
  if (restoreTest === 'skipped-no-admin') log('restore-test-skipped', { reason: 'no admin connection (BERTH_BACKUP_ADMIN_URL) to create a scratch database' });
  try {
    const adminUrl = request.adminUrl;
    meta = await verifyBackup({
      store,
      meta,
      clock,
      signal,
      restoreTest:
        restoreTest === 'done' && adminUrl
          ? async (m) => {
              const database = asideName(identity.database, randomTag('verify'));
              const result = await restoreInto({ adminUrl, identity, database, store, meta: m, purpose: `restore-test ${m.id}`, signal });
              await dropDatabase(adminUrl, database);
              return result;
            }
          : undefined,
    });
    log('backup-verified', { id: meta.id, bytes: meta.bytes, sha256: meta.sha256, restoreTest });
  } catch (error) {
    const failure = rootCause([error], signal);
    log('verify-failed', { id: meta.id, code: failure.code, message: failure.message });
    await notifier.send('verify-failed', `Verification of ${where} backup ${meta.id} failed (${failure.code}): ${failure.message}`);
    throw failure;
  }
  const pruned = await pruneBackups({ store, app: identity.app, environment: identity.environment, policy: request.retention, now: clock(), apply: true });
  log('pruned', { deleted: pruned.deleted });
  await notifier.send(
    'backup-succeeded',
    `Backup ${meta.id} of ${where} verified (${meta.bytes} bytes)${restoreTest === 'done' ? ', test restore passed' : ''}`,
  );
  return { backup: meta, restoreTest, pruned: pruned.deleted };
}

async function restoreTestDue(request: RunnerRequest, now: Date): Promise<'due' | 'not-due' | 'disabled'> {
  if (request.restoreTestDays <= 0) return 'disabled';
  const catalog = await readCatalog(request.store, request.identity.app, request.identity.environment);
  const last = catalog.find((e) => e.meta?.verification?.restoreTest?.ok);
  if (!last) return 'due';
  return now.getTime() - new Date(last.meta!.verification!.at).getTime() >= request.restoreTestDays * DAY - 3_600_000 ? 'due' : 'not-due';
}
