import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';

const count = (value: string | undefined, flag: string, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a whole number, not "${value}"`);
  return Number(value);
};

/**
 * The backup CronJob's entry point. It reads no config file (the image has none): the rendered
 * CronJob passes everything as flags (runner-args.ts) and the secrets in the environment.
 */
export default defineCommand({
  name: 'backup run',
  summary: 'the scheduled run inside the cluster: back up, verify (test restore when due), prune',
  args: 'APP',
  description:
    "Reads DATABASE_DIRECT_URL or DATABASE_URL (the app's database), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for S3, BERTH_SLACK_WEBHOOK for notifications and, for test restores, BERTH_BACKUP_ADMIN_URL (a role with CREATEDB that is a member of the app's role). Rendered into the backup CronJob; not meant to be typed.",
  options: {
    env: { type: 'string', short: 'e', value: 'ENV', description: 'environment (required)' },
    'store-dir': { type: 'string', value: 'DIR', description: 'a directory store (the mounted PVC or NFS share)' },
    's3-bucket': { type: 'string', value: 'BUCKET', description: 'an S3 store: the bucket' },
    's3-endpoint': { type: 'string', value: 'URL', description: 'S3-compatible endpoint' },
    's3-region': { type: 'string', value: 'REGION', description: 'S3 region' },
    's3-prefix': { type: 'string', value: 'PREFIX', description: 'key prefix in the bucket' },
    compression: { type: 'string', value: 'zstd|gzip', description: 'default zstd' },
    'keep-daily': { type: 'string', value: 'N', description: 'retention: daily backups kept' },
    'keep-weekly': { type: 'string', value: 'N', description: 'retention: weekly backups kept' },
    'keep-monthly': { type: 'string', value: 'N', description: 'retention: monthly backups kept' },
    'max-age-days': { type: 'string', value: 'N', description: 'retention: maximum age' },
    'restore-test-days': { type: 'string', value: 'N', description: 'days between test restores (0 = never)' },
    notify: { type: 'string', value: 'all|failures', description: 'which outcomes go to BERTH_SLACK_WEBHOOK' },
  },
  examples: ['berth backup run api --env production --store-dir /backups --json'],
  async run(context) {
    const { options, env, out } = context;
    const app = context.positionals[0];
    if (!app || context.positionals.length > 1 || !options.env) throw new UsageError('berth backup run takes APP and --env ENV');
    const url = env.DATABASE_DIRECT_URL || env.DATABASE_URL;
    if (!url) throw new UsageError("berth backup run needs DATABASE_DIRECT_URL or DATABASE_URL in its environment (the app's database Secret)");
    const compression = options.compression ?? 'zstd';
    if (compression !== 'zstd' && compression !== 'gzip') throw new UsageError(`--compression must be zstd or gzip, not "${compression}"`);
    const notify = options.notify ?? 'all';
    if (notify !== 'all' && notify !== 'failures') throw new UsageError(`--notify must be all or failures, not "${notify}"`);
    const [{ databaseIdentity }, { runScheduledBackup }, notifyModule, { DEFAULTS }] = await Promise.all([
      import('../../../model/database-names.ts'),
      import('../../../backup/runner.ts'),
      import('../../../backup/notify.ts'),
      import('../../../config/defaults.ts'),
    ]);
    const identity = databaseIdentity(app, options.env);
    let store: import('../../../store/store.ts').ObjectStore;
    if (options['store-dir']) {
      const { DirectoryStore } = await import('../../../store/directory.ts');
      store = new DirectoryStore(options['store-dir']);
    } else if (options['s3-bucket']) {
      const { S3Store } = await import('../../../store/s3.ts');
      if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
        throw new UsageError('An S3 store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment');
      store = new S3Store({
        bucket: options['s3-bucket'],
        endpoint: options['s3-endpoint'],
        region: options['s3-region'],
        prefix: options['s3-prefix'],
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      });
    } else {
      throw new UsageError('berth backup run needs a store: --store-dir DIR or --s3-bucket BUCKET');
    }
    const log = (event: string, fields: Record<string, unknown> = {}) => {
      out.event(event, { app, environment: options.env, ...fields });
      out.info(`${event} ${JSON.stringify(fields)}`);
    };
    const notifier = env.BERTH_SLACK_WEBHOOK
      ? notifyModule.webhookNotifier({ url: env.BERTH_SLACK_WEBHOOK, failuresOnly: notify === 'failures', log: (m) => log('notify-failed', { message: m }) })
      : notifyModule.silentNotifier;
    const r = DEFAULTS.backups.retention;
    const result = await runScheduledBackup({
      identity,
      source: { url, label: env.DATABASE_DIRECT_URL ? 'DATABASE_DIRECT_URL' : 'DATABASE_URL', database: identity.database },
      adminUrl: env.BERTH_BACKUP_ADMIN_URL || undefined,
      store,
      compression,
      retention: {
        daily: count(options['keep-daily'], 'keep-daily', r.daily),
        weekly: count(options['keep-weekly'], 'keep-weekly', r.weekly),
        monthly: count(options['keep-monthly'], 'keep-monthly', r.monthly),
        maxAgeDays: count(options['max-age-days'], 'max-age-days', r.maxAgeDays),
      },
      restoreTestDays: count(options['restore-test-days'], 'restore-test-days', DEFAULTS.backups.restoreTestDays),
      notifier,
      log,
      signal: context.signal,
    });
    out.resultLine({ ok: true, backup: result.backup.id, status: result.backup.status, restoreTest: result.restoreTest, pruned: result.pruned });
    out.print(`Backup ${result.backup.id} ${result.backup.status}; test restore: ${result.restoreTest}; pruned ${result.pruned.length}`);
  },
});
