/** An app's page, GET /apps/:env/:app, and its actions: POST …/rollback (to a revision) and …/restart. */
import type { Hono } from 'hono';
import type { WebEnv } from '../guard.ts';
import { rollbackRun, restartRun } from '../actions.ts';
import { type Deps, field, sessionOf, who } from '../deps.ts';
import { type AppView, appBody, type LogRow } from '../views/app.ts';
import { page } from '../views/layout.ts';

const LOG_LINES = 200;
const LOG_TIMEOUT_MS = 5000;

export function appRoutes(app: Hono<WebEnv>, deps: Deps): void {
  const { site, jobs } = deps;

  app.get('/apps/:env/:app', async (c) => {
    const session = sessionOf(c);
    const environment = c.req.param('env');
    const name = c.req.param('app');
    const found = site.app(environment, name);
    const [{ history }, status, logs] = await Promise.all([
      import('../../deploy/operate.ts'),
      deps.live.read(environment).then((s) => s.apps.find((a) => a.app === name)),
      recentLogs(deps, environment, name),
    ]);
    const releases = await history(site.target(environment), name);
    const view: AppView = {
      environment,
      app: name,
      status,
      releases,
      ...logs,
      jobs: jobs.recent({ environment, app: name }),
      hasBackups: Boolean(found.database) && site.config.backups !== undefined,
      session,
    };
    return c.html(page({ title: `${name} in ${environment}`, session, trail: [[environment, '/'], [name]] }, appBody(view)));
  });

  app.post('/apps/:env/:app/rollback', (c) => {
    const environment = c.req.param('env');
    const name = c.req.param('app');
    site.app(environment, name);
    const to = Number(field(c, 'to', /^[1-9][0-9]{0,8}$/));
    const session = sessionOf(c);
    const job = jobs.start(
      { title: `rollback ${name} to r${to}`, who: who(session), environment, app: name },
      rollbackRun(site, environment, name, to, who(session)),
    );
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.post('/apps/:env/:app/restart', (c) => {
    const environment = c.req.param('env');
    const name = c.req.param('app');
    site.app(environment, name);
    const session = sessionOf(c);
    const job = jobs.start({ title: `restart ${name}`, who: who(session), environment, app: name }, restartRun(site, environment, name, who(session)));
    return c.redirect(`/jobs/${job.id}`, 303);
  });
}

/** The newest lines of each of the app's containers, merged in time order, prefixed as `berth logs` prefixes them. */
async function recentLogs(deps: Deps, environment: string, app: string): Promise<{ logs: LogRow[]; logsError?: string }> {
  const [{ printLogs }, { prefixOf }] = await Promise.all([import('../../ops/logs.ts'), import('../../ops/log-lines.ts')]);
  const rows: LogRow[] = [];
  const failures: string[] = [];
  try {
    await printLogs({
      cluster: deps.site.cluster(),
      namespace: deps.site.resolved(environment).namespace,
      environment,
      app,
      follow: false,
      tail: 50,
      previous: false,
      maxRequests: 10,
      signal: AbortSignal.timeout(LOG_TIMEOUT_MS),
      write: (target, line) => rows.push({ prefix: prefixOf(target), text: line.text }),
      notice: (notice) => {
        if (notice.type === 'failed') failures.push(notice.message);
      },
    });
  } catch (error) {
    return { logs: rows.slice(-LOG_LINES), logsError: (error as Error).message };
  }
  return { logs: rows.slice(-LOG_LINES), ...(failures.length && rows.length === 0 ? { logsError: failures[0] } : {}) };
}
