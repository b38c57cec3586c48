/** An app's backups page, GET /apps/:env/:app/backups, and its actions: create, verify, restore (the app's name typed), delete. */
import type { Context, Hono } from 'hono';
import type { WebEnv } from '../guard.ts';
import { createBackupRun, deleteBackupRun, restoreBackupRun, verifyBackupRun } from '../actions.ts';
import { type Deps, field, sessionOf, who } from '../deps.ts';
import type { Job } from '../jobs.ts';
import { HttpError } from '../site.ts';
import { backupsBody } from '../views/backups.ts';
import { page } from '../views/layout.ts';

/** Backup ids as berth makes them: `20260301T030000Z-1a2b`. */
const BACKUP_ID = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$/;

export function backupRoutes(app: Hono<WebEnv>, deps: Deps): void {
  const { site, jobs } = deps;

  app.get('/apps/:env/:app/backups', async (c) => {
    const session = sessionOf(c);
    const environment = c.req.param('env');
    const name = c.req.param('app');
    const target = site.backups(environment, name);
    const { listBackups } = await import('../../backup/listing.ts');
    const store = await target.store().catch((error: Error) => {
      throw new HttpError(502, `Could not open the backup store: ${error.message}`);
    });
    const { readDeletions } = await import('../../backup/deletions.ts');
    const deleted = await readDeletions(store, name, environment);
    const backups = await listBackups({
      store,
      app: name,
      environment,
      identity: target.identity,
      adminUrl: target.adminUrl,
      warn: site.warn,
      applicationName: 'berth web',
    });
    return c.html(
      page(
        {
          title: `Backups of ${name}`,
          session,
          trail: [[environment, '/'], [name, `/apps/${encodeURIComponent(environment)}/${encodeURIComponent(name)}`], ['backups']],
        },
        backupsBody({
          environment,
          app: name,
          database: target.identity.database,
          store: store.description,
          backups,
          deleted,
          jobs: jobs.recent({ environment, app: name }),
          session,
        }),
      ),
    );
  });

  const action = (verb: string, start: (c: Context<WebEnv>, environment: string, name: string, by: string) => Job) => {
    app.post(`/apps/:env/:app/backups/${verb}`, (c) => {
      const environment = c.req.param('env');
      const name = c.req.param('app');
      site.backups(environment, name);
      const job = start(c, environment, name, who(sessionOf(c)));
      return c.redirect(`/jobs/${job.id}`, 303);
    });
  };

  action('create', (c, environment, name, by) => {
    const verify = c.get('form').verify === '1';
    return jobs.start(
      { title: `backup ${name}${verify ? ' and verify' : ''}`, who: by, environment, app: name },
      createBackupRun(site, environment, name, verify, by),
    );
  });
  action('verify', (c, environment, name, by) => {
    const id = field(c, 'backup', BACKUP_ID);
    const restoreTest = c.get('form').restoreTest === '1';
    return jobs.start(
      { title: `verify backup ${id}${restoreTest ? ' with a test restore' : ''}`, who: by, environment, app: name },
      verifyBackupRun(site, environment, name, id, restoreTest, by),
    );
  });
  action('restore', (c, environment, name, by) => {
    const id = field(c, 'backup', BACKUP_ID);
    if ((c.get('form').confirm ?? '').trim() !== name) throw new HttpError(400, `To restore, type the app's name (${name}) in the confirmation field`);
    return jobs.start({ title: `restore ${name} from backup ${id}`, who: by, environment, app: name }, restoreBackupRun(site, environment, name, id, by));
  });
  action('delete', (c, environment, name, by) => {
    const id = field(c, 'backup', BACKUP_ID);
    return jobs.start({ title: `delete backup ${id}`, who: by, environment, app: name }, deleteBackupRun(site, environment, name, id, by));
  });
}
