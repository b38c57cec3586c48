/** GET /jobs/:id (an action's steps and outcome) and /events/jobs/:id, which streams them until it ends. */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { WebEnv } from '../guard.ts';
import { type Deps, sessionOf } from '../deps.ts';
import { HttpError } from '../site.ts';
import { jobBody, jobState } from '../views/job.ts';
import { page } from '../views/layout.ts';

export function jobRoutes(app: Hono<WebEnv>, deps: Deps): void {
  const find = (id: string) => {
    const job = /^[0-9a-f]{16}$/.test(id) ? deps.jobs.get(id) : undefined;
    if (!job) throw new HttpError(404, `No action ${id.slice(0, 40)} (the server keeps the last 200 since it started)`);
    return job;
  };

  app.get('/jobs/:id', (c) => {
    const job = find(c.req.param('id'));
    const back = `/apps/${encodeURIComponent(job.environment)}/${encodeURIComponent(job.app)}${job.title.includes('backup') ? '/backups' : ''}`;
    return c.html(page({ title: job.title, session: sessionOf(c), trail: [[job.app, back], ['action']] }, jobBody(job, back)));
  });

  app.get('/events/jobs/:id', (c) => {
    const job = find(c.req.param('id'));
    return streamSSE(c, async (stream) => {
      const send = async () => stream.writeSSE({ event: 'html', data: String(await jobState(job)) });
      let chain = send();
      await new Promise<void>((resolve) => {
        if (job.state !== 'running') return resolve();
        const stop = deps.jobs.follow(job.id, (event) => {
          chain = chain.then(send).catch(() => undefined);
          if (event.type === 'done') {
            stop();
            resolve();
          }
        });
        stream.onAbort(() => {
          stop();
          resolve();
        });
      });
      await chain;
      await stream.writeSSE({ event: 'end', data: job.state });
    });
  });
}
