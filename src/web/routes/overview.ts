/** GET / (every app per environment) and its live updates, /events/overview/:env, as server-sent events. */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { WebEnv } from '../guard.ts';
import { type Deps, sessionOf } from '../deps.ts';
import { page } from '../views/layout.ts';
import { environmentTable, overviewBody } from '../views/overview.ts';

/** A comment now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 25_000;

async function readAll(deps: Deps) {
  return Promise.all(
    deps.site.environments().map(async (name) => {
      try {
        return { name, status: await deps.live.read(name) };
      } catch (error) {
        return { name, error: (error as Error).message };
      }
    }),
  );
}

/**
 * Builds the overview once, unseen, as soon as the watches have the environments: the first
 * person to look then meets warm code and a snapshot in memory, not a cold start.
 */
export async function warmOverview(deps: Deps): Promise<void> {
  String(await page({ title: 'Apps', session: undefined }, overviewBody(await readAll(deps))));
}

export function overviewRoutes(app: Hono<WebEnv>, deps: Deps): void {
  app.get('/', async (c) => {
    const session = sessionOf(c);
    return c.html(page({ title: 'Apps', session }, overviewBody(await readAll(deps))));
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
