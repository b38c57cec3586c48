/**
 * Slack-compatible webhook messages about backups. A notifier's failure is reported (logged) and
 * never changes the outcome it reports: the backup's status is already written when it is sent
 * (coolify #9088 marked good backups failed because Slack was down).
 */
export type BackupEvent = 'backup-failed' | 'backup-succeeded' | 'verify-failed' | 'restore-started' | 'restore-completed' | 'restore-failed' | 'backups-stale';

const FAILURES = new Set<BackupEvent>(['backup-failed', 'verify-failed', 'restore-failed', 'backups-stale']);

export interface Notifier {
  send(event: BackupEvent, text: string): Promise<void>;
}

export interface WebhookOptions {
  url: string;
  /** Only failures, and stale backups. */
  failuresOnly: boolean;
  /** Where a notifier failure is reported (never thrown). */
  log: (message: string) => void;
  timeoutMs?: number;
}

export function webhookNotifier(options: WebhookOptions): Notifier {
  return {
    async send(event, text) {
      if (options.failuresOnly && !FAILURES.has(event)) return;
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `${FAILURES.has(event) ? ':warning: ' : ''}${text}` }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        if (!response.ok) options.log(`notification not delivered (${event}): the webhook answered HTTP ${response.status}`);
      } catch (error) {
        options.log(`notification not delivered (${event}): ${(error as Error).message}`);
      }
    },
  };
}

export const silentNotifier: Notifier = { send: async () => {} };
