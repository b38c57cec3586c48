/**
 * Logged-in browsers. A session is a random id in an HttpOnly, SameSite=Strict cookie (Secure
 * when the page is served over TLS); the server keeps who it is, the role and the session's CSRF
 * token. Sessions live in memory: restarting the server logs everyone out, which is the safe way
 * round. They end after 2 hours unused or 12 hours in all.
 */
import { randomBytes } from 'node:crypto';
import type { WebUser } from './tokens.ts';

export const SESSION_COOKIE = 'berth_session';
const IDLE_MS = 2 * 60 * 60_000;
const MAX_MS = 12 * 60 * 60_000;

export interface Session {
  id: string;
  user: WebUser;
  csrf: string;
  createdAt: number;
  seenAt: number;
}

export class Sessions {
  private readonly byId = new Map<string, Session>();
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  create(user: WebUser): Session {
    this.sweep();
    const now = this.now();
    const session = { id: randomBytes(32).toString('base64url'), user, csrf: randomBytes(32).toString('base64url'), createdAt: now, seenAt: now };
    this.byId.set(session.id, session);
    return session;
  }

  find(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.byId.get(id);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.seenAt > IDLE_MS || now - session.createdAt > MAX_MS) {
      this.byId.delete(id);
      return undefined;
    }
    session.seenAt = now;
    return session;
  }

  end(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.byId) if (now - s.seenAt > IDLE_MS || now - s.createdAt > MAX_MS) this.byId.delete(id);
  }
}
