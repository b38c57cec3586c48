/**
 * PostgreSQL's own programs (pg_dump, pg_restore), run with the connection in libpq's
 * environment variables so the password never appears in argv. pg_dump cannot dump a server of a
 * newer major version, and pg_restore cannot read an archive from a newer pg_dump: the newest
 * installed client is picked and its version checked against the server's, plainly.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, ExitCode } from '../errors.ts';
import { runCapture } from '../exec/spawn.ts';
import { parsePostgresUrl } from './connect.ts';

export type PgTool = 'pg_dump' | 'pg_restore' | 'psql';

export interface ToolInfo {
  path: string;
  /** e.g. "15.18" */
  version: string;
  major: number;
}

/** libpq environment for a URL; `database` overrides the URL's. The password is only here. */
export function libpqEnv(url: string, options: { label: string; database?: string; applicationName?: string }): Record<string, string> {
  const parsed = parsePostgresUrl(url, options.label);
  const env: Record<string, string> = {
    PGHOST: decodeURIComponent(parsed.hostname.replace(/^\[|\]$/g, '')) || 'localhost',
    PGPORT: parsed.port || '5432',
    PGDATABASE: options.database ?? (decodeURIComponent(parsed.pathname.slice(1)) || 'postgres'),
    PGAPPNAME: options.applicationName ?? 'berth',
    // Never read ~/.pgpass or a service file behind the caller's back.
    PGPASSFILE: '/dev/null',
    PGCONNECT_TIMEOUT: '10',
  };
  if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  const params: Record<string, string> = { sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY' };
  for (const [param, variable] of Object.entries(params)) {
    const value = parsed.searchParams.get(param) ?? process.env[variable];
    if (value) env[variable] = value;
  }
  return env;
}

/** Directories holding Postgres client programs, newest major first; BERTH_PG_BIN first of all. */
function candidateDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.BERTH_PG_BIN) dirs.push(process.env.BERTH_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const major of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) dirs.push(join(debian, major, 'bin'));
  }
  // Alpine / the official images put them on PATH.
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) if (dir) dirs.push(dir);
  return dirs;
}

const found = new Map<PgTool, Promise<ToolInfo>>();

/** The newest installed copy of a tool, with its version. */
export function findTool(tool: PgTool): Promise<ToolInfo> {
  let promise = found.get(tool);
  if (!promise) {
    promise = (async () => {
      const path = candidateDirs()
        .map((dir) => join(dir, tool))
        .find((p) => existsSync(p));
      if (!path) {
        throw new BerthError(`${tool} is not installed`, {
          hint: `Install the PostgreSQL client of your server's major version (Debian: apt-get install postgresql-client-17), or set BERTH_PG_BIN to its bin directory.`,
        });
      }
      const text = await runCapture([path, '--version']);
      const match = /(\d+)(?:\.(\d+))?/.exec(text.replace(/^[^\d]*/, ''));
      if (!match) throw new BerthError(`Cannot read the version of ${path} ("${text.trim()}")`);
      return { path, version: match[2] === undefined ? match[1]! : `${match[1]}.${match[2]}`, major: Number(match[1]) };
    })();
    promise.catch(() => found.delete(tool));
    found.set(tool, promise);
  }
  return promise;
}

/** server_version_num 150018 → { version: "15.18", major: 15 } */
export function serverVersion(versionNum: number): { version: string; major: number } {
  const major = Math.floor(versionNum / 10000);
  return { version: `${major}.${versionNum % 10000}`, major };
}

/** Refuses a client older than what it has to read: pg_dump vs the server, pg_restore vs the archive's pg_dump. */
export function requireAtLeast(tool: ToolInfo, name: PgTool, needed: { major: number; version: string }, of: string): void {
  if (tool.major >= needed.major) return;
  throw new BerthError(
    `${name} ${tool.version} (${tool.path}) is older than ${of} (${needed.version}): ${name} must be of major version ${needed.major} or newer`,
    {
      exitCode: ExitCode.usage,
      hint: `Install postgresql-client-${needed.major} (Debian/Ubuntu: from apt.postgresql.org) or point BERTH_PG_BIN at its bin directory. Nothing was written.`,
    },
  );
}
