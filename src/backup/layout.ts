/**
 * Where an app's backups sit in a store: `<environment>/<app>/<id>.dump.zst` with
 * `<id>.meta.json` beside it. App and environment names are DNS labels (no `/`), and every
 * listing uses the trailing `/`, so one app's prefix never matches another's (`web/` vs `web-2/`).
 * Ids sort by time: `20260301T030000Z-1a2b` (UTC, plus 4 random hex digits against collisions).
 */
import { randomBytes } from 'node:crypto';
import type { Compression } from './meta.ts';

export const META_SUFFIX = '.meta.json';
const EXTENSION: Record<Compression, string> = { zstd: '.dump.zst', gzip: '.dump.gz' };

export function backupPrefix(app: string, environment: string): string {
  return `${environment}/${app}/`;
}

export function newBackupId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

const ID = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;
export function isBackupId(value: string): boolean {
  return ID.test(value);
}

export function archiveName(id: string, compression: Compression): string {
  return `${id}${EXTENSION[compression]}`;
}

export function metaKey(app: string, environment: string, id: string): string {
  return `${backupPrefix(app, environment)}${id}${META_SUFFIX}`;
}

export function archiveKey(app: string, environment: string, archive: string): string {
  return `${backupPrefix(app, environment)}${archive}`;
}
