/**
 * The one place berth opens Postgres connections (the admin's, an app's, the migrate runner's).
 * Failures come back as BerthErrors with the URL redacted.
 */
import pg from 'pg';
import { BerthError, ExitCode, UsageError } from '../errors.ts';
import { connectError } from './errors.ts';
import { redactUrl } from '../redact.ts';
import { connectionSettings, type SslOption } from './ssl.ts';

export type Client = pg.Client;

export interface ConnectOptions {
  /** Who is connecting, for messages: `the admin connection`, `DATABASE_URL`. */
  label: string;
  applicationName?: string;
  timeoutMs?: number;
  /** Use this database instead of the one in the URL. */
  database?: string;
}

export function parsePostgresUrl(url: string, label: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the value: a malformed URL is often a password pasted in the wrong place.
    throw new BerthError(`${label} is not a valid URL`, {
      exitCode: ExitCode.usage,
      hint: 'Expected postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in the password).',
    });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new BerthError(`${label} must be a postgres:// URL, not ${parsed.protocol}//…`, { exitCode: ExitCode.usage });
  }
  // A `%` not starting a valid escape (a password such as `Sup3r%S3cret` pasted as is) passes
  // the URL parser but breaks decoding later ("URI malformed"); name the part, never the value.
  for (const [part, value] of [
    ['user name', parsed.username],
    ['password', parsed.password],
    ['database name', parsed.pathname],
  ] as const) {
    try {
      decodeURIComponent(value);
    } catch {
      throw new UsageError(`${label} has a malformed %-escape in its ${part}`, {
        hint: 'Percent-encode special characters in the URL: % as %25, @ as %40, : as %3A, / as %2F, # as %23, ? as %3F (encodeURIComponent does it).',
      });
    }
  }
  return parsed;
}

export async function connect(url: string, options: ConnectOptions): Promise<pg.Client> {
  const parsed = parsePostgresUrl(url, options.label);
  if (options.database) parsed.pathname = `/${encodeURIComponent(options.database)}`;
  // CloudNativePG's superuser Secret writes its `uri` with database `*` ("any", as in pgpass).
  else if (parsed.pathname === '/*' || parsed.pathname === '/%2A') parsed.pathname = '/postgres';
  const settings = await connectionSettings(parsed, options.label, process.env.PGSSLMODE);
  const target = { what: `${options.label} (${redactUrl(parsed.toString())})`, secrets: [decodeURIComponent(parsed.password)] };
  try {
    return await open(settings.connectionString, settings.ssl, options);
  } catch (error) {
    // sslmode=prefer (libpq's default): plain when the server offers no TLS.
    if (settings.fallbackToPlain && /does not support SSL/i.test((error as Error)?.message ?? '')) {
      try {
        return await open(settings.connectionString, false, options);
      } catch (plainError) {
        throw connectError(plainError, target);
      }
    }
    throw connectError(error, target);
  }
}

async function open(connectionString: string, ssl: SslOption, options: ConnectOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString,
    ssl,
    connectionTimeoutMillis: options.timeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'berth',
  });
  // A server that goes away mid-session emits 'error' on the client; without a listener Node
  // would crash the process. The failing query reports it instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

/** Runs fn with a connection and always closes it. */
export async function withConnection<T>(url: string, options: ConnectOptions, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url, options);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Identifiers are always quoted; values are bound as parameters, except where Postgres cannot bind. */
export const escapeIdentifier = pg.escapeIdentifier;
export const escapeLiteral = pg.escapeLiteral;
