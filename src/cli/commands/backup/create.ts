import { defineCommand } from '../../command.ts';
import { ENV_OPTION } from '../../project.ts';
import { adminSource, backupTarget, formatBytes, STORE_DIR_OPTION } from './common.ts';

export default defineCommand({
  name: 'backup create',
  summary: "back up an app's database now (pg_dump, compressed, checksummed, then verified)",
  args: 'APP',
  description:
    "Streams pg_dump -Fc through zstd (or gzip) and sha256 into the configured store under a temporary name; publishes it only when pg_dump exited 0 and the store holds every byte. Then reads the whole archive back through pg_restore and compares every table's row count (skip with --no-verify).",
  options: {
    env: ENV_OPTION,
    'no-verify': { type: 'boolean', description: 'skip the read-through verification (the backup stays "complete", not "verified")' },
    'store-dir': STORE_DIR_OPTION,
  },
  examples: ['berth backup create api --env production'],
  async run(context) {
    const target = await backupTarget(context, 'create');
    const [{ createBackup }, { verifyBackup }] = await Promise.all([import('../../../backup/dump.ts'), import('../../../backup/verify.ts')]);
    const { out } = context;
    const store = await target.store();
    const notifier = await target.notifier();
    let meta: Awaited<ReturnType<typeof createBackup>>;
    try {
      meta = await createBackup({
        app: target.app,
        environment: target.environment,
        source: await adminSource(target),
        store,
        reason: 'manual',
        compression: target.settings.compression,
        signal: context.signal,
        onProgress: (e) => {
          out.event(`backup-${e.phase}`, { id: e.id, bytes: e.bytes });
          if (e.phase === 'started') out.info(`Backing up ${target.identity.database} to ${store.description} as ${e.id}…`);
        },
      });
      if (!context.options['no-verify']) {
        out.info('Verifying: reading the whole archive back through pg_restore…');
        meta = await verifyBackup({ store, meta, signal: context.signal });
      }
      await notifier.send('backup-succeeded', `Backup ${meta.id} of ${target.app} in ${target.environment}: ${formatBytes(meta.bytes)}, ${meta.status}`);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      await notifier.send('backup-failed', `Backup of ${target.app} in ${target.environment} failed (${e.code ?? 'FAILED'}): ${e.message}`);
      throw error;
    }
    out.resultLine({ ok: true, backup: meta });
    const rows = Object.values(meta.tables ?? {}).reduce((a, b) => a + b, 0);
    out.print(
      `Backup ${meta.id} of ${target.app} in ${target.environment}: ${formatBytes(meta.bytes)} (${formatBytes(meta.dumpBytes)} dumped), ${Object.keys(meta.tables ?? {}).length} tables, ${rows} rows, ${meta.status}`,
    );
    out.print(`sha256 ${meta.sha256}  pg_dump ${meta.versions.pgDump}, server ${meta.versions.server}`);
  },
});
