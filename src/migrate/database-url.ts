/**
 * Which database the runner migrates: --database-url, else DATABASE_DIRECT_URL (set by
 * `berth db create` when DATABASE_URL goes through a transaction pooler), else DATABASE_URL.
 * So the init container, which gets the app's Secret as its environment, needs no flags.
 */
import { BerthError, ExitCode } from '../errors.ts';

export interface DatabaseUrlChoice {
  url: string;
  /** Where it came from, for messages; never the value. */
  source: string;
  /** A password in argv is visible to every user on the machine (ps). */
  passwordInArgv: boolean;
}

export function chooseDatabaseUrl(flag: string | undefined, env: Record<string, string | undefined>): DatabaseUrlChoice {
  if (flag) return { url: flag, source: '--database-url', passwordInArgv: hasPassword(flag) };
  for (const name of ['DATABASE_DIRECT_URL', 'DATABASE_URL']) {
    const value = env[name]?.trim();
    if (value) return { url: value, source: name, passwordInArgv: false };
  }
  throw new BerthError('No database to migrate: DATABASE_URL is not set', {
    exitCode: ExitCode.usage,
    hint: "Set DATABASE_URL (the app's Secret from `berth db create` provides it), or pass --database-url.",
  });
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}
