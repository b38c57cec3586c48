import { defineCommand } from '../../command.ts';
import { ENV_OPTION } from '../../project.ts';
import { backupTarget, STORE_DIR_OPTION } from './common.ts';

export default defineCommand({
  name: 'backup verify',
  summary: 'check a backup: sha256, a full read through pg_restore with row counts, optionally a test restore',
  args: 'APP [BACKUP]',
  description:
    'Without BACKUP, the newest complete backup. --restore-test restores it into a scratch database beside the live one, compares every row count with the sidecar and drops the scratch database. Reports whether its schema is compatible with the live database (compatible / needs-migration / unknown).',
  options: {
    env: ENV_OPTION,
    'restore-test': { type: 'boolean', description: 'also restore into a scratch database and compare row counts' },
    'store-dir': STORE_DIR_OPTION,
  },
  examples: ['berth backup verify api', 'berth backup verify api 20260301T030000Z-1a2b --restore-test'],
  async run(context) {
    const target = await backupTarget(context, 'verify', { extraPositional: true });
    const [{ readCatalog }, { selectBackup }, { verifyBackup }, { schemaState }, { withConnection }] = await Promise.all([
      import('../../../backup/catalog.ts'),
      import('../../../backup/select.ts'),
      import('../../../backup/verify.ts'),
      import('../../../backup/inspect.ts'),
      import('../../../postgres/connect.ts'),
    ]);
    const store = await target.store();
    const meta = selectBackup(await readCatalog(store, target.app, target.environment), context.positionals[1], `${target.app} in ${target.environment}`);
    const adminUrl = await target.adminUrl();
    const current = await withConnection(
      adminUrl,
      { label: 'the admin connection', database: target.identity.database, applicationName: 'berth backup verify' },
      schemaState,
    ).catch(() => undefined);
    let restoreTest: Parameters<typeof verifyBackup>[0]['restoreTest'];
    if (context.options['restore-test']) {
      const { asideName, randomTag, restoreInto, dropDatabase } = await import('../../../backup/restore-into.ts');
      restoreTest = async (m) => {
        const database = asideName(target.identity.database, randomTag('verify'));
        context.out.info(`Test restore into ${database}…`);
        const result = await restoreInto({
          adminUrl,
          identity: target.identity,
          database,
          store,
          meta: m,
          purpose: `restore-test ${m.id}`,
          signal: context.signal,
        });
        await dropDatabase(adminUrl, database);
        return result;
      };
    }
    context.out.info(`Verifying ${meta.id} (${store.description})…`);
    const notifier = await target.notifier();
    const verified = await verifyBackup({ store, meta, current, restoreTest, signal: context.signal }).catch(
      async (error: { code?: string; message?: string }) => {
        await notifier.send(
          'verify-failed',
          `Verification of backup ${meta.id} of ${target.app} in ${target.environment} failed (${error.code}): ${error.message}`,
        );
        throw error;
      },
    );
    const v = verified.verification!;
    context.out.result({ ok: true, backup: verified });
    context.out.print(`Backup ${verified.id}: verified`);
    context.out.print(`  checksum     ok (sha256 ${verified.sha256})`);
    context.out.print(`  read-through ok (${Object.keys(verified.tables ?? {}).length} tables, row counts match)`);
    if (v.restoreTest) context.out.print(`  test restore ok (${(v.restoreTest.durationMs / 1000).toFixed(1)} s, row counts match, scratch database dropped)`);
    context.out.print(
      `  schema       ${v.compatibility}${v.compatibility === 'needs-migration' ? ' (restore runs the migrations when the pods restart)' : ''}`,
    );
  },
});
