/**
 * What the page's buttons do: each is the library call the matching CLI command makes, with the
 * person recorded as `web:<user>` (in the release for rollback and restart, as `berth history`
 * shows; in the backup's sidecar for a backup or a restore's safety backup, as `berth backup list`
 * shows). They run as jobs (jobs.ts): the page follows their steps and shows their real outcome.
 */
import { formatBytes } from '../cli/format-bytes.ts';
import type { DeployEvent } from '../deploy/events.ts';
import { LABEL } from '../model/labels.ts';
import type { JobRun } from './jobs.ts';
import type { Site } from './site.ts';

const ROLLOUT_TIMEOUT_MS = 5 * 60_000;

/** A deploy event as one line for the job's steps; repeated progress lines are left out by the caller. */
export function describeEvent(event: DeployEvent): string | undefined {
  switch (event.type) {
    case 'locked':
      return `took the deploy lock of ${event.environment}`;
    case 'lock-wait':
      return `waiting for the deploy lock (held by ${event.holder.user}: ${event.holder.command})`;
    case 'applied':
      return `${event.app}: applied ${event.changed} of ${event.total} objects`;
    case 'release':
      return `${event.app}: release r${event.revision} (${event.kind}) ${event.result}`;
    case 'progress':
      return `${event.app}/${event.process}: ${event.progress.ready}/${event.progress.desired} ready${event.progress.old ? `, ${event.progress.old} old` : ''}${event.waitingFor ? ` · waiting for ${event.waitingFor}` : ''}`;
    case 'rollout-done':
      return `${event.app}/${event.process}: rollout done`;
    case 'health':
      return `${event.app}: health check ${event.ok ? 'passed' : 'failed'} (${event.detail})`;
    case 'failed':
      return `${event.app} failed: ${event.diagnosis.cause}`;
    case 'rollback':
      return `${event.app}: rolling back from r${event.from ?? '-'} to r${event.to}`;
    case 'rollback-done':
      return `${event.app}: now r${event.revision}${event.ok ? '' : ' (not healthy)'}`;
    case 'warning':
      return `warning: ${event.message}`;
    case 'reconnect':
      return `watch reconnected (${event.reason})`;
    default:
      return undefined;
  }
}

function emitter(step: (text: string) => void): (event: DeployEvent) => void {
  let last = '';
  return (event) => {
    const text = describeEvent(event);
    if (text && text !== last) step(text);
    if (text) last = text;
  };
}

export function rollbackRun(site: Site, environment: string, app: string, to: number, who: string): JobRun {
  return async (step, signal) => {
    const { rollback } = await import('../deploy/operate.ts');
    const result = await rollback({
      ...site.target(environment),
      app,
      to,
      timeoutMs: ROLLOUT_TIMEOUT_MS,
      lockWaitMs: 0,
      message: `rollback to r${to} from the admin page`,
      command: `berth web: rollback ${app} --to ${to} --env ${environment}`,
      user: who,
      signal,
      emit: emitter(step),
    });
    if (!result.ok)
      throw new Error(
        `${app} r${result.release.revision} (a copy of r${to}) did not become healthy${result.release.diagnosis ? `: ${result.release.diagnosis.cause}` : ''}`,
      );
    return `${app} is back on r${to} (${result.to.tag}) as r${result.release.revision}. Database migrations applied since are not undone.`;
  };
}

export function restartRun(site: Site, environment: string, app: string, who: string): JobRun {
  return async (step, signal) => {
    const [{ releaseChange }, { describeOutcome }] = await Promise.all([import('../ops/runtime-config.ts'), import('../deploy/run.ts')]);
    const result = await releaseChange({
      ...site.target(environment),
      change: { app, kind: 'restart' },
      timeoutMs: ROLLOUT_TIMEOUT_MS,
      lockWaitMs: 0,
      message: 'restart from the admin page',
      command: `berth web: restart ${app} --env ${environment}`,
      user: who,
      signal,
      emit: emitter(step),
    });
    if (!result.released) return `${app} has no release yet; nothing was restarted.`;
    const text = describeOutcome(result.outcome);
    if (result.outcome.outcome !== 'deployed' && result.outcome.outcome !== 'unchanged') throw new Error(text);
    return text;
  };
}

export function createBackupRun(site: Site, environment: string, app: string, verify: boolean, who: string): JobRun {
  return async (step, signal) => {
    const [{ createBackup }, { verifyBackup }] = await Promise.all([import('../backup/dump.ts'), import('../backup/verify.ts')]);
    const target = site.backups(environment, app);
    const store = await target.store();
    const notifier = await target.notifier();
    try {
      let meta = await createBackup({
        app,
        environment,
        source: { url: await target.adminUrl(), label: 'the admin connection', database: target.identity.database, role: target.identity.role },
        store,
        reason: 'manual',
        by: who,
        compression: target.settings.compression,
        signal,
        onProgress: (e) =>
          step(
            e.phase === 'started' ? `dumping ${target.identity.database} to ${store.description} as ${e.id}` : `dumped and stored (${formatBytes(e.bytes)})`,
          ),
      });
      if (verify) {
        step('verifying: reading the whole archive back through pg_restore and comparing row counts');
        meta = await verifyBackup({ store, meta, signal, by: who });
      }
      await notifier.send('backup-succeeded', `Backup ${meta.id} of ${app} in ${environment} by ${who}: ${meta.bytes} bytes, ${meta.status}`);
      return `Backup ${meta.id}: ${meta.status} (${Object.keys(meta.tables ?? {}).length} tables, sha256 ${meta.sha256?.slice(0, 12)}…)`;
    } catch (error) {
      const e = error as { code?: string; message?: string };
      await notifier.send('backup-failed', `Backup of ${app} in ${environment} by ${who} failed (${e.code ?? 'FAILED'}): ${e.message}`);
      throw error;
    }
  };
}

export function verifyBackupRun(site: Site, environment: string, app: string, id: string, restoreTest: boolean, who: string): JobRun {
  return async (step, signal) => {
    const [{ readCatalog }, { selectBackup }, { verifyBackup }, { schemaState }, { withConnection }] = await Promise.all([
      import('../backup/catalog.ts'),
      import('../backup/select.ts'),
      import('../backup/verify.ts'),
      import('../backup/inspect.ts'),
      import('../postgres/connect.ts'),
    ]);
    const target = site.backups(environment, app);
    const store = await target.store();
    const meta = selectBackup(await readCatalog(store, app, environment), id, `${app} in ${environment}`);
    const adminUrl = await target.adminUrl();
    const current = await withConnection(
      adminUrl,
      { label: 'the admin connection', database: target.identity.database, applicationName: 'berth web' },
      schemaState,
    ).catch(() => undefined);
    let test: Parameters<typeof verifyBackup>[0]['restoreTest'];
    if (restoreTest) {
      const { asideName, randomTag, restoreInto, dropDatabase } = await import('../backup/restore-into.ts');
      test = async (m) => {
        const database = asideName(target.identity.database, randomTag('verify'));
        step(`test restore into ${database}, comparing row counts`);
        const result = await restoreInto({ adminUrl, identity: target.identity, database, store, meta: m, purpose: `restore-test ${m.id}`, signal });
        await dropDatabase(adminUrl, database);
        step(`scratch database ${database} dropped`);
        return result;
      };
    }
    step(`verifying ${meta.id}: checksum and a full read through pg_restore`);
    const notifier = await target.notifier();
    const verified = await verifyBackup({ store, meta, current, restoreTest: test, signal, by: who }).catch(
      async (error: { code?: string; message?: string }) => {
        // As `berth backup verify` does: a failed verification is announced.
        await notifier.send('verify-failed', `Verification of backup ${meta.id} of ${app} in ${environment} failed (${error.code}): ${error.message}`);
        throw error;
      },
    );
    const v = verified.verification!;
    return `Backup ${verified.id}: verified (checksum ok, row counts match${v.restoreTest ? ', test restore ok' : ''}; schema ${v.compatibility})`;
  };
}

export function restoreBackupRun(site: Site, environment: string, app: string, id: string, who: string): JobRun {
  return async (step, signal) => {
    const [{ readCatalog }, { selectBackup }, { restoreBackup }, { listDeployments, restartDeployments }] = await Promise.all([
      import('../backup/catalog.ts'),
      import('../backup/select.ts'),
      import('../backup/restore.ts'),
      import('../cluster/deployments.ts'),
    ]);
    const target = site.backups(environment, app);
    const store = await target.store();
    const meta = selectBackup(await readCatalog(store, app, environment), id, `${app} in ${environment}`, { skipSafety: true });
    const result = await restoreBackup({
      adminUrl: await target.adminUrl(),
      identity: target.identity,
      store,
      meta,
      compression: target.settings.compression,
      notifier: await target.notifier(),
      by: who,
      signal,
      onProgress: step,
    });
    // As `berth backup restore` does: the pods restart so migrations run and connections renew.
    const cluster = await target.cluster();
    const restarted = await listDeployments(cluster, target.namespace, { [LABEL.app]: app });
    await restartDeployments(cluster, target.namespace, restarted, new Date());
    if (restarted.length) step(`restarted ${restarted.join(', ')}`);
    return `Restored ${app} from ${meta.id} in ${(result.durationMs / 1000).toFixed(1)} s (row counts match). Safety backup ${result.safetyBackup}; the previous database is kept as ${result.previous}.`;
  };
}

export function deleteBackupRun(site: Site, environment: string, app: string, id: string, who: string): JobRun {
  return async (step) => {
    const { deleteBackup } = await import('../backup/remove.ts');
    const target = site.backups(environment, app);
    step(`deleting ${id}`);
    // The page has no --force: the way out it offers is a newer verified backup.
    await deleteBackup(await target.store(), {
      app,
      environment,
      id,
      force: false,
      by: who,
      warn: site.warn,
      refusedHint: 'Take a newer backup with "Back up now" (verified), then delete this one.',
    });
    return `Deleted backup ${id} of ${app} in ${environment}`;
  };
}
