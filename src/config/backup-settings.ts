/**
 * The backup settings of one app in one environment, every default applied: where the store is,
 * the schedule (if any), retention, notification and verification policy. Pure: config in,
 * settings out.
 */
import { UsageError } from '../errors.ts';
import { DEFAULTS } from './defaults.ts';
import type { BackupStoreConfig, CredentialRef, ParsedConfig } from './schema.ts';

export type Compression = 'zstd' | 'gzip';

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
  maxAgeDays: number;
}

export interface BackupSettings {
  store: BackupStoreConfig;
  compression: Compression;
  retention: RetentionPolicy;
  /** The CronJob's schedule; undefined when the app is not scheduled in this environment. */
  schedule: { cron: string; timeZone: string | undefined } | undefined;
  restoreTestDays: number;
  staleAfterMinutes: number;
  notify: 'all' | 'failures';
  slackWebhook: CredentialRef | undefined;
}

export function backupSettings(config: ParsedConfig, app: string, environment: string): BackupSettings {
  const top = config.backups;
  if (!top) {
    throw new UsageError('No backup store is configured', {
      hint: 'Add `backups: { store: { dir: { path: "./backups" } } }` (or pvc, nfs, s3) to the config.',
    });
  }
  const base = config.apps[app]?.backups;
  const override = config.environments[environment]?.apps?.[app]?.backups;
  const scheduled = override === false ? undefined : (override ?? base);
  const defaults = DEFAULTS.backups;
  return {
    store: top.store,
    compression: top.compression ?? defaults.compression,
    retention: { ...defaults.retention, ...top.retention, ...base?.retention, ...(override ? override.retention : undefined) },
    schedule: scheduled ? { cron: scheduled.schedule, timeZone: scheduled.timeZone } : undefined,
    restoreTestDays: top.restoreTestDays ?? defaults.restoreTestDays,
    staleAfterMinutes: top.staleAfterMinutes ?? defaults.staleAfterMinutes,
    notify: top.notify ?? defaults.notify,
    slackWebhook: top.slackWebhook,
  };
}

/** The settings of an app whose backups are scheduled in this environment (the CronJob's), else undefined. */
export function scheduledBackups(config: ParsedConfig, app: string, environment: string): BackupSettings | undefined {
  if (!config.backups || !config.apps[app]?.database) return undefined;
  const settings = backupSettings(config, app, environment);
  // A directory store lives on the CLI's machine: nothing in the cluster can write to it.
  return settings.schedule && !('dir' in settings.store) ? settings : undefined;
}
