/**
 * Who may log in to the admin page. Locally, `berth web` makes one random token, printed in the
 * URL and good for one login (as Jupyter does). In the cluster, tokens come from a mounted Secret:
 * one file per user, named for the user, holding `<role>:<token>`; the directory is read at each
 * login, so a rotated Secret takes effect without a restart. Tokens are compared as SHA-256
 * digests with timingSafeEqual, so neither their content nor their length leaks through timing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Role = 'viewer' | 'operator';
export const ROLES: readonly Role[] = ['viewer', 'operator'];

export interface WebUser {
  name: string;
  role: Role;
}

export interface TokenBook {
  /** The user the token belongs to; undefined for a wrong (or used one-time) token. */
  check(token: string): Promise<WebUser | undefined>;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** A fresh token: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `berth web` on a workstation: one token, one login, the operator role (the caller's own kubeconfig decides what it can do). */
export function oneTimeToken(token: string, user: WebUser): TokenBook {
  let used = false;
  return {
    async check(given) {
      const match = sameToken(given, token);
      if (!match || used) return undefined;
      used = true;
      return user;
    },
  };
}

/** `berth web --in-cluster`: `DIR/<user>` holds `<role>:<token>`. */
export function tokenDirectory(dir: string, warn: (message: string) => void): TokenBook {
  return {
    async check(given) {
      const entries = await readTokens(dir, warn);
      let found: WebUser | undefined;
      // Every entry is compared, so the time taken does not say which user matched.
      for (const entry of entries) if (sameToken(given, entry.token) && !found) found = entry.user;
      return found;
    },
  };
}

async function readTokens(dir: string, warn: (message: string) => void): Promise<{ user: WebUser; token: string }[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    warn(`cannot read the tokens directory ${dir}: ${error.code ?? error.message}`);
    return [] as string[];
  });
  const tokens: { user: WebUser; token: string }[] = [];
  // A mounted Secret also holds `..data` and timestamped directories: user files never start with a dot.
  for (const name of names.filter((n) => !n.startsWith('.'))) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    const parsed = text === undefined ? undefined : parseTokenFile(text);
    if (!parsed) {
      warn(`tokens/${name} is not "<viewer|operator>:<token>" (at least 16 characters); ignored`);
      continue;
    }
    tokens.push({ user: { name, role: parsed.role }, token: parsed.token });
  }
  return tokens;
}

export function parseTokenFile(text: string): { role: Role; token: string } | undefined {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const role = trimmed.slice(0, colon) as Role;
  const token = trimmed.slice(colon + 1);
  if (colon < 0 || !ROLES.includes(role) || token.length < 16) return undefined;
  return { role, token };
}
