/** Backup settings that only make sense together: a store the CronJob can reach, names that fit, notifications it can read. */
import { DEFAULTS } from './defaults.ts';
import { join } from './field-path.ts';
import type { RuleResult } from './rules.ts';
import type { ParsedConfig } from './schema.ts';

/** Kubernetes limits CronJob names to 52 characters (it appends 11 for its Jobs). */
const CRONJOB_NAME_MAX = 52;

export function checkBackups(config: ParsedConfig, result: RuleResult): void {
  const scheduled = Object.entries(config.apps).filter(([, app]) => app.backups);
  const store = config.backups?.store;
  if (!store || scheduled.length === 0) return;
  if ('dir' in store) {
    result.warnings.push({
      path: 'backups.store.dir',
      message: `no backup CronJob is rendered for a directory on this machine (the cluster cannot reach it): apps.${scheduled[0]![0]}.backups.schedule only tells \`berth backup check\` when backups are due; run \`berth backup create\` from this machine's cron, or use pvc, nfs or s3`,
    });
    return;
  }
  for (const [name] of scheduled) {
    if (`${name}-backup`.length > CRONJOB_NAME_MAX) {
      result.errors.push({
        path: join(join('apps', name), 'backups'),
        message: `the CronJob name ${name}-backup is longer than ${CRONJOB_NAME_MAX} characters; shorten the app name`,
      });
    }
  }
  const hook = config.backups?.slackWebhook;
  if (hook && !('secret' in hook)) {
    result.warnings.push({
      path: 'backups.slackWebhook',
      message:
        "the backup CronJob cannot read an env or file reference: scheduled runs send no notifications (use { secret: { namespace, name, key } } in the apps' namespace)",
    });
  }
  if (config.cluster?.berthImage === undefined) {
    result.warnings.push({
      path: 'backups',
      message: `scheduled backups run berth's image (${DEFAULTS.cluster.berthImage}), which is not published: build it from the repository's Dockerfile and set cluster.berthImage`,
    });
  }
}
