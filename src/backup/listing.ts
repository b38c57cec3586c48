/**
 * `berth backup list` and the admin page's backups table: each backup of an app with its status,
 * size, age, verification and schema compatibility with the live database (unknown, not a
 * failure, when the database cannot be reached).
 */
import type { DatabaseIdentity } from '../model/database-names.ts';
import type { ObjectStore } from '../store/store.ts';
import { displayStatus, readCatalog } from './catalog.ts';
import { compatibility, schemaState } from './inspect.ts';
import type { BackupReason, Compatibility } from './meta.ts';

export interface BackupRow {
  id: string;
  status: string;
  problem: string | undefined;
  reason: BackupReason | undefined;
  /** Who asked for it, when the sidecar records it (the admin page's `web:<user>`). */
  by: string | undefined;
  startedAt: string | undefined;
  bytes: number | undefined;
  verifiedAt: string | undefined;
  /** Who asked for the verification, when it was not the CLI's user. */
  verifiedBy: string | undefined;
  restoreTestedAt: string | undefined;
  compatibility: Compatibility;
  failure: { code: string; message: string } | undefined;
  sha256: string | undefined;
}

export async function listBackups(request: {
  store: ObjectStore;
  app: string;
  environment: string;
  identity: DatabaseIdentity;
  adminUrl: () => Promise<string>;
  warn: (message: string) => void;
  applicationName?: string;
}): Promise<BackupRow[]> {
  const { withConnection } = await import('../postgres/connect.ts');
  const [catalog, current] = await Promise.all([
    readCatalog(request.store, request.app, request.environment),
    request
      .adminUrl()
      .then((url) =>
        withConnection(
          url,
          { label: 'the admin connection', database: request.identity.database, applicationName: request.applicationName ?? 'berth backup list' },
          (client) => schemaState(client),
        ),
      )
      .catch((error: Error) => {
        request.warn(`schema compatibility unknown: ${error.message}`);
        return undefined;
      }),
  ]);
  return catalog.map((entry) => ({
    id: entry.id,
    status: displayStatus(entry),
    problem: entry.problem,
    reason: entry.meta?.reason,
    by: entry.meta?.by,
    startedAt: entry.meta?.startedAt,
    bytes: entry.meta?.bytes ?? entry.archiveBytes,
    verifiedAt: entry.meta?.status === 'verified' ? entry.meta.verification?.at : undefined,
    verifiedBy: entry.meta?.verification?.by,
    restoreTestedAt: entry.meta?.verification?.restoreTest?.ok ? entry.meta.verification.at : undefined,
    compatibility: entry.meta && !entry.problem ? compatibility(entry.meta.schema, current) : 'unknown',
    failure: entry.meta?.failure,
    sha256: entry.meta?.sha256,
  }));
}
