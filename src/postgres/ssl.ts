/**
 * `sslmode` as libpq defines it (https://www.postgresql.org/docs/current/libpq-ssl.html), turned
 * into node-postgres' `ssl` option by berth rather than by pg's URL parser. pg 8 treats
 * prefer/require/verify-ca as verify-full and prints a deprecation warning on every run, so a
 * self-signed on-node server with `sslmode=require` failed. Here:
 *   disable      no TLS
 *   allow        no TLS (libpq would retry with TLS if the server insisted; berth does not)
 *   prefer       TLS without verification, plain if the server has no TLS (the default, as in libpq)
 *   require      TLS without verification; with sslrootcert, verify the chain (as libpq)
 *   verify-ca    TLS, chain verified (sslrootcert, else Node's CA store), host name not checked
 *   verify-full  TLS, chain and host name verified
 * The ssl* parameters are removed from the URL handed to pg, so pg's own mapping (and its
 * warning) never runs. sslrootcert/sslcert/sslkey are files, read here; `sslrootcert=system`
 * means the default CA store.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.ts';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** What pg takes: false, or tls.connect options. */
export type SslOption = false | { rejectUnauthorized: boolean; checkServerIdentity?: () => undefined; ca?: string; cert?: string; key?: string };

export interface SslFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** The pure mapping (unit-tested). `fallback` is set for prefer: plain if the server has no TLS. */
export function sslOption(mode: SslMode, files: SslFiles = {}): { ssl: SslOption; fallbackToPlain: boolean } {
  const keys = { ...(files.cert ? { cert: files.cert } : {}), ...(files.key ? { key: files.key } : {}) };
  switch (mode) {
    case 'disable':
    case 'allow':
      return { ssl: false, fallbackToPlain: false };
    case 'prefer':
      return { ssl: { rejectUnauthorized: false, ...keys }, fallbackToPlain: true };
    case 'require':
      return files.ca
        ? { ssl: { rejectUnauthorized: true, checkServerIdentity: () => undefined, ca: files.ca, ...keys }, fallbackToPlain: false }
        : { ssl: { rejectUnauthorized: false, ...keys }, fallbackToPlain: false };
    case 'verify-ca':
      return {
        ssl: { rejectUnauthorized: true, checkServerIdentity: () => undefined, ...(files.ca ? { ca: files.ca } : {}), ...keys },
        fallbackToPlain: false,
      };
    case 'verify-full':
      return { ssl: { rejectUnauthorized: true, ...(files.ca ? { ca: files.ca } : {}), ...keys }, fallbackToPlain: false };
  }
}

const SSL_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat'];

export interface ConnectionSettings {
  /** The URL without its ssl* parameters. */
  connectionString: string;
  ssl: SslOption;
  fallbackToPlain: boolean;
}

/** `envMode` is PGSSLMODE, which libpq (and pg) read when the URL has no sslmode. */
export async function connectionSettings(url: URL, label: string, envMode?: string): Promise<ConnectionSettings> {
  const params = url.searchParams;
  const given = params.get('sslmode') ?? (params.get('ssl') === 'true' || params.get('ssl') === '1' ? 'verify-full' : undefined) ?? (envMode || undefined);
  const mode = (given ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(mode)) {
    throw new UsageError(`${label} has an unknown sslmode "${given}"`, { hint: `Use one of ${SSL_MODES.join(', ')}.` });
  }
  const files: SslFiles = {};
  for (const [param, key] of [
    ['sslrootcert', 'ca'],
    ['sslcert', 'cert'],
    ['sslkey', 'key'],
  ] as const) {
    const path = params.get(param);
    if (!path || (param === 'sslrootcert' && path === 'system')) continue;
    files[key] = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`Cannot read ${param} of ${label}: ${path}: ${error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message)}`, {
        hint: `Point ${param} at a readable PEM file.`,
      });
    });
  }
  const stripped = new URL(url.toString());
  for (const param of SSL_PARAMS) stripped.searchParams.delete(param);
  return { connectionString: stripped.toString(), ...sslOption(mode, files) };
}
