/**
 * The argv of the scheduled run, built in one place: the backup CronJob renders exactly these
 * arguments, and `berth backup run` parses them. Everything secret travels in the environment
 * (DATABASE_DIRECT_URL / DATABASE_URL, AWS_*, BERTH_SLACK_WEBHOOK, BERTH_BACKUP_ADMIN_URL).
 */
import { DEFAULTS } from '../config/defaults.ts';
import type { BackupSettings } from '../config/backup-settings.ts';

export function runnerArgs(app: string, environment: string, settings: BackupSettings): string[] {
  const args = ['backup', 'run', app, '--env', environment, '--json'];
  const store = settings.store;
  if ('s3' in store) {
    args.push('--s3-bucket', store.s3.bucket);
    if (store.s3.endpoint) args.push('--s3-endpoint', store.s3.endpoint);
    if (store.s3.region) args.push('--s3-region', store.s3.region);
    if (store.s3.prefix) args.push('--s3-prefix', store.s3.prefix);
  } else {
    args.push('--store-dir', DEFAULTS.backups.mountPath);
  }
  const r = settings.retention;
  args.push(
    '--compression',
    settings.compression,
    '--keep-daily',
    String(r.daily),
    '--keep-weekly',
    String(r.weekly),
    '--keep-monthly',
    String(r.monthly),
    '--max-age-days',
    String(r.maxAgeDays),
    '--restore-test-days',
    String(settings.restoreTestDays),
    '--notify',
    settings.notify,
  );
  return args;
}
