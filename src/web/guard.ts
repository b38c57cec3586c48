/**
 * What every request passes before a route sees it: security headers (a strict CSP, no
 * framing, no referrer — the login URL carries a token), a 16 KB body limit, the session from
 * its cookie, and for every POST the Origin check, the CSRF token and the operator role.
 */
import { timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import type { Session, Sessions } from './sessions.ts';
import { HttpError } from './site.ts';

export const MAX_BODY_BYTES = 16 * 1024;

export interface WebEnv {
  Variables: { session: Session | undefined; form: Record<string, string> };
}

export const CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

export function securityHeaders(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    // Not no-referrer: with it Chromium sends `Origin: null` on the page's own form posts.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}

export function limitBody(): MiddlewareHandler<WebEnv> {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new HttpError(413, `The request is larger than ${MAX_BODY_BYTES / 1024} KB`, 'The forms of this page are far smaller; nothing was read.');
    },
  });
}

export interface Transport {
  /** In the cluster, behind the Ingress: X-Forwarded-Proto and -For are the Ingress's and trusted. */
  trustProxy: boolean;
}

export function isTls(c: Context, transport: Transport): boolean {
  if (transport.trustProxy) return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
  return new URL(c.req.url).protocol === 'https:';
}

/** The address login attempts are counted against. */
export function clientAddress(c: Context, transport: Transport): string {
  // The Ingress appends the address it saw; entries before it are whatever the client sent.
  const forwarded = transport.trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The page's own origin, as the browser names it in the Origin header. */
export function ownOrigin(c: Context, transport: Transport): string {
  return `${isTls(c, transport) ? 'https' : 'http'}://${new URL(c.req.url).host}`;
}

export function loadSession(sessions: Sessions): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    c.set('session', sessions.find(getCookie(c, 'berth_session')));
    await next();
  };
}

/**
 * A POST must come from this page (Origin, and Sec-Fetch-Site when the browser sends it), carry
 * a url-encoded or multipart form within the limit, and — unless it is the login — the session's
 * CSRF token, from an operator (logout excepted).
 */
export function checkPost(transport: Transport): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const origin = c.req.header('origin');
    if (!origin || origin !== ownOrigin(c, transport)) throw new HttpError(403, 'This request did not come from this page (its Origin does not match)');
    const site = c.req.header('sec-fetch-site');
    if (site && site !== 'same-origin') throw new HttpError(403, 'This request did not come from this page (cross-site)');
    c.set('form', await readForm(c));
    const path = new URL(c.req.url).pathname;
    if (path === '/login') return next();
    const session = c.get('session');
    if (!session) throw new HttpError(403, 'You are not logged in (or the session expired)', 'Log in again.');
    const token = c.get('form')._csrf ?? '';
    if (!sameText(token, session.csrf))
      throw new HttpError(403, 'The form is missing its CSRF token or it does not match this session', 'Reload the page and try again.');
    if (path !== '/logout' && session.user.role !== 'operator') throw new HttpError(403, `${session.user.name} is a viewer: actions need the operator role`);
    return next();
  };
}

async function readForm(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/.test(type))
    throw new HttpError(400, 'Expected a form (application/x-www-form-urlencoded)');
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, 'The form could not be read');
  }
  const form: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') throw new HttpError(400, `The form field "${key.slice(0, 40)}" must be given once, as text`);
    form[key] = value;
  }
  return form;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
