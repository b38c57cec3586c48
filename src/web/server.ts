/**
 * The admin page's HTTP server (Hono on Node's http module): routes per page, the guard in front
 * of them, one error page for every refusal. `startWebServer` listens and returns the address;
 * `berth web` and the tests call it, locally or with `--in-cluster`.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { BerthError, ExitCode } from '../errors.ts';
import { checkPost, limitBody, loadSession, securityHeaders, type Transport, type WebEnv } from './guard.ts';
import type { Deps } from './deps.ts';
import { Jobs } from './jobs.ts';
import { LiveStatus } from './live-status.ts';
import { LoginLimit } from './login-limit.ts';
import { appRoutes } from './routes/app.ts';
import { backupRoutes } from './routes/backups.ts';
import { jobRoutes } from './routes/jobs.ts';
import { loginRoutes } from './routes/login.ts';
import { overviewRoutes, warmOverview } from './routes/overview.ts';
import { Sessions } from './sessions.ts';
import { HttpError, Site, type SiteOptions } from './site.ts';
import { APP_CSS, APP_JS } from './static.ts';
import type { TokenBook } from './tokens.ts';
import { errorBody } from './views/error.ts';
import { page } from './views/layout.ts';

export interface WebServerOptions extends SiteOptions {
  tokens: TokenBook;
  host: string;
  port: number;
  /** Try the next ports when this one is taken (local mode). */
  nextFreePort: boolean;
  transport: Transport;
  /** One JSON object per finished action. */
  log: (record: object) => void;
}

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function webApp(deps: Deps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.onError((error, c) => errorPage(c, error));
  app.notFound((c) => errorPage(c, new HttpError(404, `No page ${new URL(c.req.url).pathname.slice(0, 100)}`)));
  app.use(securityHeaders());
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/static/app.css', (c) => asset(c, APP_CSS, 'text/css; charset=utf-8'));
  app.get('/static/app.js', (c) => asset(c, APP_JS, 'text/javascript; charset=utf-8'));
  // Browsers ask for it on their own; no icon is better than a 404 in the console.
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.use(loadSession(deps.sessions));
  app.post('*', limitBody(), checkPost(deps.transport));
  loginRoutes(app, deps);
  // Everything below needs a session; a browser without one is sent to the login form.
  app.use(async (c, next) => {
    if (!c.get('session')) {
      if (c.req.method === 'GET' && !c.req.path.startsWith('/events/')) return c.redirect('/login', 303);
      throw new HttpError(403, 'You are not logged in (or the session expired)', 'Log in again.');
    }
    return next();
  });
  overviewRoutes(app, deps);
  appRoutes(app, deps);
  backupRoutes(app, deps);
  jobRoutes(app, deps);
  return app;
}

function asset(c: Context, body: string, type: string): Response {
  c.header('Content-Type', type);
  // The URL carries a hash of the content: a new version is a new URL.
  c.header('Cache-Control', 'public, max-age=86400, immutable');
  return c.body(body);
}

function errorPage(c: Context<WebEnv>, error: Error): Response | Promise<Response> {
  const status = error instanceof HttpError ? error.status : error instanceof BerthError ? statusOf(error) : 500;
  const hint = error instanceof HttpError || error instanceof BerthError ? error.hint : undefined;
  // Unexpected errors are logged, not shown: their text may name internals.
  const message = error instanceof HttpError || error instanceof BerthError ? error.message : 'The server failed to answer this request.';
  if (!(error instanceof HttpError) && !(error instanceof BerthError)) console.error(error);
  c.status(status as 400);
  return c.html(page({ title: 'Error', session: c.get('session') }, errorBody(status, message, hint)));
}

function statusOf(error: BerthError): number {
  if (error.exitCode === ExitCode.usage) return 400;
  if (error.exitCode === ExitCode.unreachable) return 502;
  if (error.exitCode === ExitCode.conflict) return 409;
  return 500;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const site = new Site(options);
  const deps: Deps = {
    site,
    live: new LiveStatus(site, { keepWatching: options.transport.trustProxy }),
    jobs: new Jobs({ log: options.log }),
    sessions: new Sessions(),
    tokens: options.tokens,
    limit: new LoginLimit(),
    transport: options.transport,
  };
  const app = webApp(deps);
  const server = createAdaptorServer({ fetch: app.fetch });
  let port = options.port;
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && options.nextFreePort && port !== 0 && port < options.port + 20) {
        port++;
        continue;
      }
      throw new BerthError(`Cannot listen on ${options.host}:${port}: ${code ?? (error as Error).message}`, {
        exitCode: ExitCode.usage,
        hint: 'Pick another port with --port.',
      });
    }
  }
  const bound = (server.address() as AddressInfo).port;
  deps.live.start(site.environments());
  void warmOverview(deps).catch(() => undefined);
  const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${shown}:${bound}`,
    port: bound,
    close: async () => {
      deps.live.stop();
      deps.jobs.abort();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
