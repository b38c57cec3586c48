/**
 * The one place berth opens Postgres connections (the admin's, an app's, the migrate runner's).
 * Failures come back as BerthErrors with the URL redacted.
 */
import pg from 'pg';
import { BerthError, ExitCode } from '../errors.ts';
import { connectError } from './errors.ts';
import { redactUrl } from './redact.ts';

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
  return parsed;
}

export async function connect(url: string, options: ConnectOptions): Promise<pg.Client> {
  const parsed = parsePostgresUrl(url, options.label);
  if (options.database) parsed.pathname = `/${encodeURIComponent(options.database)}`;
  // CloudNativePG's superuser Secret writes its `uri` with database `*` ("any", as in pgpass).
  else if (parsed.pathname === '/*' || parsed.pathname === '/%2A') parsed.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: parsed.toString(),
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
    throw connectError(error, { what: `${options.label} (${redactUrl(parsed.toString())})`, secrets: [decodeURIComponent(parsed.password)] });
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
