/** GET / (every app per environment) and its live updates, /events/overview/:env, as server-sent events. */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { WebEnv } from '../guard.ts';
import { type Deps, sessionOf } from '../deps.ts';
import { page } from '../views/layout.ts';
import { environmentTable, overviewBody } from '../views/overview.ts';

/** A comment now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 25_000;

export function overviewRoutes(app: Hono<WebEnv>, deps: Deps): void {
  app.get('/', async (c) => {
    const session = sessionOf(c);
    const environments = await Promise.all(
      deps.site.environments().map(async (name) => {
        try {
          return { name, status: await deps.live.read(name) };
        } catch (error) {
          return { name, error: (error as Error).message };
        }
      }),
    );
    return c.html(page({ title: 'Apps', session }, overviewBody(environments)));
  });

  app.get('/events/overview/:env', (c) => {
    const environment = c.req.param('env');
    deps.site.resolved(environment);
    return streamSSE(c, async (stream) => {
      let sending = Promise.resolve();
      const unsubscribe = deps.live.subscribe(environment, (status) => {
        sending = sending.then(async () => stream.writeSSE({ event: 'html', data: String(await environmentTable(status)) })).catch(() => undefined);
      });
      const timer = setInterval(() => void stream.write(': keepalive\n\n').catch(() => undefined), KEEPALIVE_MS);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(timer);
      unsubscribe();
    });
  });
}
