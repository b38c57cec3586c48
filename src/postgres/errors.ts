/**
 * Driver errors → BerthErrors, at the place they happen. Postgres error codes are from
 * https://www.postgresql.org/docs/current/errcodes-appendix.html; socket codes from Node.
 * Every message is redacted: a driver may quote the connection string or a statement.
 */
import { BerthError, ExitCode } from '../errors.ts';
import { redactText } from '../redact.ts';

interface DriverError {
  code?: string;
  message?: string;
  errors?: DriverError[];
}

const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
};

export interface ConnectTarget {
  /** What we tried to reach, already redacted: `the admin connection (postgres://u:***@h:5432/postgres)`. */
  what: string;
  /** Secrets to scrub from driver messages. */
  secrets?: readonly (string | undefined)[];
}

/** An error from opening a connection. */
export function connectError(error: unknown, target: ConnectTarget): BerthError {
  if (error instanceof BerthError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  // Node reports a failed connect to several addresses (IPv4 + IPv6) as an AggregateError.
  const code = e.code ?? e.errors?.find((inner) => inner.code)?.code;
  const detail = redactText(e.message || e.errors?.[0]?.message || String(error), target.secrets);
  const socket = code ? SOCKET_CODES[code] : undefined;
  if (socket || /timeout|terminated unexpectedly/i.test(detail)) {
    return new BerthError(`Cannot reach ${target.what}: ${socket ?? detail}`, {
      exitCode: ExitCode.unreachable,
      hint: 'Check the host and port, that the server is running, and that this machine may reach it (firewall, VPN, port-forward).',
      cause: error,
    });
  }
  switch (code) {
    case '28P01':
      return new BerthError(`${capital(target.what)} was refused: wrong password for the user`, {
        exitCode: ExitCode.unreachable,
        hint: 'The stored credential is out of date: update it where the config points (env var, file or Secret).',
        cause: error,
      });
    case '28000':
      return new BerthError(`${capital(target.what)} was refused: ${detail}`, {
        exitCode: ExitCode.unreachable,
        hint: 'The user does not exist or pg_hba.conf has no entry for it from this address.',
        cause: error,
      });
    case '3D000':
      return new BerthError(`${capital(target.what)} failed: ${detail}`, {
        exitCode: ExitCode.unreachable,
        hint: 'The database in the URL does not exist; for an app, run `berth db create APP` first.',
        cause: error,
      });
    case '53300':
      return new BerthError(`${capital(target.what)} was refused: too many connections`, {
        exitCode: ExitCode.unreachable,
        hint: 'The server or the role is at its connection limit; try again, or raise connectionLimit in the database config.',
        cause: error,
      });
    case '57P03':
      return new BerthError(`${capital(target.what)} failed: the server is starting up or shutting down`, {
        exitCode: ExitCode.unreachable,
        hint: 'Wait a moment and try again.',
        cause: error,
      });
  }
  if (/SSL/i.test(detail)) {
    return new BerthError(`${capital(target.what)} failed: ${detail}`, {
      exitCode: ExitCode.unreachable,
      hint: 'The server and the URL disagree about TLS: set sslmode in the URL (disable, require, verify-full) to what the server offers.',
      cause: error,
    });
  }
  return new BerthError(`${capital(target.what)} failed: ${detail}`, { exitCode: ExitCode.unreachable, cause: error });
}

/** An error from a statement berth runs as admin (not a user's migration: see migrate/). */
export function statementError(error: unknown, doing: string, secrets: readonly (string | undefined)[] = []): BerthError {
  if (error instanceof BerthError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  // A socket error mid-statement (ECONNRESET …) is a lost server, not a failed statement.
  if (!('severity' in e) && e.code && !/^[0-9A-Z]{5}$/.test(e.code)) return connectError(error, { what: 'the database server', secrets });
  const detail = redactText(e.message ?? String(error), secrets);
  if (e.code === '42501') {
    // Exit 3, as for refused credentials: the admin role is not allowed to do berth's work.
    return new BerthError(`Could not ${doing}: ${detail}`, {
      exitCode: ExitCode.unreachable,
      hint: 'The admin role needs CREATEROLE and CREATEDB (or superuser): ALTER ROLE <admin> CREATEROLE CREATEDB; on Postgres 16+ it also needs ADMIN OPTION on roles it did not create.',
      cause: error,
    });
  }
  if (e.code === '57P01' || e.code === '08006' || /Connection terminated/i.test(detail)) {
    return new BerthError(`Could not ${doing}: the connection to the server was lost (${detail})`, { exitCode: ExitCode.unreachable, cause: error });
  }
  return new BerthError(`Could not ${doing}: ${detail}${e.code ? ` (SQLSTATE ${e.code})` : ''}`, { cause: error });
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
