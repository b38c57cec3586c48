/**
 * Logging in: a token (from the URL `berth web` prints, or typed in the form) becomes a session
 * cookie. Wrong tokens are counted per address and slowed down (login-limit.ts); the URL form
 * redirects at once so the token does not stay in the address bar or the history.
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { isTls, clientAddress, type WebEnv } from '../guard.ts';
import type { Deps } from '../deps.ts';
import { SESSION_COOKIE } from '../sessions.ts';
import { HttpError } from '../site.ts';
import { page } from '../views/layout.ts';
import { loginBody } from '../views/login.ts';

export function loginRoutes(app: Hono<WebEnv>, deps: Deps): void {
  app.get('/login', async (c) => {
    const token = c.req.query('token');
    if (token !== undefined) return attempt(c, deps, token);
    return c.html(page({ title: 'Log in' }, loginBody()));
  });
  app.post('/login', (c) => attempt(c, deps, c.get('form').token ?? ''));
  app.post('/logout', (c) => {
    deps.sessions.end(c.get('session')?.id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });
}

async function attempt(c: Context<WebEnv>, deps: Deps, token: string): Promise<Response> {
  const address = clientAddress(c, deps.transport);
  const wait = deps.limit.wait(address);
  if (wait > 0) {
    c.header('Retry-After', String(Math.ceil(wait / 1000)));
    throw new HttpError(429, `Too many wrong tokens from this address: wait ${Math.ceil(wait / 1000)} s before trying again`);
  }
  const user = token.length > 0 && token.length <= 512 ? await deps.tokens.check(token) : undefined;
  if (!user) {
    deps.limit.failed(address);
    c.status(401);
    return c.html(page({ title: 'Log in' }, loginBody('That token is not valid (a token from `berth web` works once).')));
  }
  deps.limit.succeeded(address);
  const session = deps.sessions.create(user);
  setCookie(c, SESSION_COOKIE, session.id, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isTls(c, deps.transport) });
  return c.redirect('/', 303);
}
