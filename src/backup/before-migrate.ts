/**
 * For `berth deploy` (issue 7): a verified backup of an app's database before a release runs its
 * migrations. Deploy calls this when the release migrates and `--skip-backup` is not given,
 * records the returned id in the release, and names it (with the restore command) when the
 * release rolls back. A failed backup throws (BackupError with a code): deploy should stop
 * before migrating. Without a backup store configured nothing is taken, and the result says why.
 */
import { dirname } from 'node:path';
import type { Cluster } from '../cluster/connect.ts';
import { backupSettings } from '../config/backup-settings.ts';
import type { ParsedConfig } from '../config/schema.ts';
import type { DatabaseIdentity } from '../model/database-names.ts';
import { createBackup } from './dump.ts';
import { openStore } from './open-store.ts';
import { verifyBackup } from './verify.ts';

export interface BeforeMigrateRequest {
  config: ParsedConfig;
  /** The config file, for a `dir` store given relative to it. */
  configFile: string;
  identity: DatabaseIdentity;
  namespace: string;
  adminUrl: string;
  cluster: () => Promise<Cluster>;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** The mounted PVC/NFS share, when the store is one (as `--store-dir`). */
  storeDir?: string;
}

export type BeforeMigrateResult = { taken: true; id: string; store: string; bytes: number; restoreCommand: string } | { taken: false; reason: string };

export async function backupBeforeMigrate(request: BeforeMigrateRequest): Promise<BeforeMigrateResult> {
  const { identity } = request;
  if (!request.config.backups) return { taken: false, reason: 'no backup store is configured (backups.store)' };
  const settings = backupSettings(request.config, identity.app, identity.environment);
  const store = await openStore(settings.store, {
    configDir: dirname(request.configFile),
    env: request.env,
    storeDir: request.storeDir,
    namespace: request.namespace,
    cluster: request.cluster,
  });
  const meta = await createBackup({
    app: identity.app,
    environment: identity.environment,
    source: { url: request.adminUrl, label: 'the admin connection', database: identity.database, role: identity.role },
    store,
    reason: 'pre-migrate',
    compression: settings.compression,
    signal: request.signal,
  });
  const verified = await verifyBackup({ store, meta, signal: request.signal });
  return {
    taken: true,
    id: verified.id,
    store: store.description,
    bytes: verified.bytes ?? 0,
    restoreCommand: `berth backup restore ${identity.app} ${verified.id} --env ${identity.environment}`,
  };
}
