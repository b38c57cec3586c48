/**
 * One app's backups as the `backup` commands and the admin page open them: its settings, the
 * store (opened on first use) and the notifier. Both front ends call this, so a store or a
 * webhook is found the same way whoever asks.
 */
import { dirname } from 'node:path';
import { type BackupSettings, backupSettings } from '../config/backup-settings.ts';
import type { ParsedConfig } from '../config/schema.ts';
import type { Cluster } from '../cluster/connect.ts';
import type { ObjectStore } from '../store/store.ts';
import type { Notifier } from './notify.ts';

export interface BackupAccessSources {
  config: ParsedConfig;
  configFile: string;
  env: Record<string, string | undefined>;
  /** `--store-dir`: a directory standing in for the configured store. */
  storeDir?: string;
  warn: (message: string) => void;
}

export interface BackupAccess {
  settings: BackupSettings;
  store: () => Promise<ObjectStore>;
  notifier: () => Promise<Notifier>;
}

export function backupAccess(
  sources: BackupAccessSources,
  target: { app: string; environment: string; namespace: string; cluster: () => Promise<Cluster> },
): BackupAccess {
  const settings = backupSettings(sources.config, target.app, target.environment);
  let store: Promise<ObjectStore> | undefined;
  return {
    settings,
    store: () =>
      (store ??= import('./open-store.ts').then(({ openStore }) =>
        openStore(settings.store, {
          configDir: dirname(sources.configFile),
          env: sources.env,
          storeDir: sources.storeDir,
          namespace: target.namespace,
          cluster: target.cluster,
        }),
      )),
    notifier: async () => {
      const { silentNotifier, webhookNotifier } = await import('./notify.ts');
      if (!settings.slackWebhook) return silentNotifier;
      const { readCredential } = await import('../db/credentials.ts');
      const url = await readCredential(settings.slackWebhook, { cwd: dirname(sources.configFile), env: sources.env, cluster: target.cluster }).catch(
        (error: Error) => {
          sources.warn(`notifications are off: ${error.message}`);
          return undefined;
        },
      );
      if (!url) return silentNotifier;
      return webhookNotifier({ url, failuresOnly: settings.notify === 'failures', log: sources.warn });
    },
  };
}
