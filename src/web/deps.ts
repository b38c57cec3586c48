/** What the routes share: one of each, made by server.ts. */
import type { Context } from 'hono';
import type { Transport, WebEnv } from './guard.ts';
import type { Jobs } from './jobs.ts';
import type { LiveStatus } from './live-status.ts';
import type { LoginLimit } from './login-limit.ts';
import type { Session, Sessions } from './sessions.ts';
import { HttpError, type Site } from './site.ts';
import type { TokenBook } from './tokens.ts';

export interface Deps {
  site: Site;
  live: LiveStatus;
  jobs: Jobs;
  sessions: Sessions;
  tokens: TokenBook;
  limit: LoginLimit;
  transport: Transport;
}

/** The logged-in session; the auth middleware has already sent everyone else to /login. */
export function sessionOf(c: Context<WebEnv>): Session {
  const session = c.get('session');
  if (!session) throw new HttpError(403, 'You are not logged in');
  return session;
}

/** `web:<user>`: how actions from the page are recorded. */
export function who(session: Session): string {
  return `web:${session.user.name}`;
}

/** A form field that must be present and match `pattern`. */
export function field(c: Context<WebEnv>, name: string, pattern: RegExp): string {
  const value = c.get('form')[name];
  if (value === undefined || !pattern.test(value)) throw new HttpError(400, `The form field "${name}" is missing or malformed`);
  return value;
}
