/** The pure parts of per-app databases: names, redaction, password verifiers, Secret contents. */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { parsePostgresUrl } from '../../src/postgres/connect.ts';
import { databaseComment, databaseIdentity, markedFor, parseDatabaseComment } from '../../src/model/database-names.ts';
import { assertOurs, type ObjectState } from '../../src/db/ownership.ts';
import { connectionSettings, sslOption, type SslOption } from '../../src/postgres/ssl.ts';
import { generatePassword, scramVerifier } from '../../src/db/password.ts';
import { redactText, redactUrl } from '../../src/redact.ts';
import { sameData, secretData, storedPassword } from '../../src/db/secret-data.ts';
import { databaseServer } from '../../src/db/server.ts';
import { connectError, statementError } from '../../src/postgres/errors.ts';
import { ExitCode, UsageError } from '../../src/errors.ts';

describe('database names', () => {
  it('are <app>_<env>, or <app>__<env> with - turned into _ when either name has a -', () => {
    expect(databaseIdentity('api', 'production')).toMatchObject({ database: 'api_production', role: 'api_production' });
    expect(databaseIdentity('shop-web', 'qa-2').database).toBe('shop_web__qa_2');
    expect(databaseIdentity('9lives', 'prod').database).toBe('_9lives_prod');
  });

  it('never give two app/environment pairs the same name', () => {
    // The reviewer's case: these used to share X_shop_web_qa.
    expect(databaseIdentity('x-shop-web', 'qa').database).toBe('x_shop_web__qa');
    expect(databaseIdentity('x-shop', 'web-qa').database).toBe('x_shop__web_qa');
    const parts = ['a', 'b', 'a-b', 'b-a', 'a-b-a', 'ab', 'a1', '1a', '9', 'a9', 'a-9', '9-a', 'web', 'web-qa', 'qa'];
    const seen = new Map<string, string>();
    for (const app of parts) {
      for (const env of parts) {
        const name = databaseIdentity(app, env).database;
        expect(seen.get(name), `${app}/${env} vs ${seen.get(name)}`).toBeUndefined();
        seen.set(name, `${app}/${env}`);
      }
    }
  });

  it('refuse names with -- (they would make the mapping ambiguous)', () => {
    expect(() => databaseIdentity('xn--shop', 'qa')).toThrow(/The app name "xn--shop" cannot name a database/);
    expect(() => databaseIdentity('shop', 'a--b')).toThrow(UsageError);
  });

  it('refuses names Postgres would silently truncate', () => {
    expect(() => databaseIdentity('a'.repeat(40), 'b'.repeat(30))).toThrow(/longer than 63 bytes/);
  });

  it('label their database with a comment that round-trips', () => {
    const identity = databaseIdentity('api', 'staging');
    expect(parseDatabaseComment(databaseComment(identity))).toEqual({ app: 'api', environment: 'staging' });
    expect(parseDatabaseComment('something else')).toBeUndefined();
    expect(parseDatabaseComment(null)).toBeUndefined();
    expect(markedFor(databaseComment(identity), identity)).toBe(true);
    expect(markedFor(databaseComment({ app: 'api', environment: 'prod' }), identity)).toBe(false);
  });
});

describe('ownership', () => {
  const identity = databaseIdentity('api', 'staging');
  const mark = databaseComment(identity);
  const state = (role: [boolean, string | null], database: [boolean, string | null, string | null]): ObjectState => ({
    role: { exists: role[0], comment: role[1] },
    database: { exists: database[0], comment: database[1], owner: database[2] },
  });

  it('accepts only objects marked for this app and environment', () => {
    expect(assertOurs(state([false, null], [false, null, null]), identity, 'x')).toBe('absent');
    expect(assertOurs(state([true, mark], [true, mark, 'api_staging']), identity, 'x')).toBe('marked');
    // A role from before roles were marked: recognised by the marked database it owns.
    expect(assertOurs(state([true, null], [true, mark, 'api_staging']), identity, 'x')).toBe('legacy');
    // A create interrupted between CREATE DATABASE and its COMMENT.
    expect(assertOurs(state([true, mark], [true, null, 'api_staging']), identity, 'x')).toBe('marked');
  });

  it('refuses a hand-made role or database with exit 4, naming it and the way out', () => {
    const handMadeRole = () => assertOurs(state([true, null], [false, null, null]), identity, 'take it over');
    expect(handMadeRole).toThrow('Role api_staging already exists and it was not created by berth; refusing to take it over for api in staging');
    expect(catchError(handMadeRole)).toMatchObject({ exitCode: ExitCode.conflict, hint: expect.stringContaining('DROP ROLE "api_staging"') });
    const handMadeDb = () => assertOurs(state([true, mark], [true, null, 'postgres']), identity, 'take it over');
    expect(handMadeDb).toThrow(/^Database api_staging already exists and it was not created by berth/);
    const otherApp = () => assertOurs(state([true, databaseComment({ app: 'web', environment: 'qa' })], [false, null, null]), identity, 'drop it');
    expect(otherApp).toThrow('Role api_staging already exists and it belongs to berth app web in qa; refusing to drop it for api in staging');
  });
});

describe('sslmode, as libpq defines it', () => {
  it('maps each mode to what pg should do', () => {
    expect(sslOption('disable')).toEqual({ ssl: false, fallbackToPlain: false });
    expect(sslOption('prefer')).toEqual({ ssl: { rejectUnauthorized: false }, fallbackToPlain: true });
    // require encrypts without verifying: a self-signed on-node server works.
    expect(sslOption('require')).toEqual({ ssl: { rejectUnauthorized: false }, fallbackToPlain: false });
    const requireWithCa = sslOption('require', { ca: 'CA' }).ssl as Exclude<SslOption, false>;
    expect(requireWithCa).toMatchObject({ rejectUnauthorized: true, ca: 'CA' });
    expect(requireWithCa.checkServerIdentity?.()).toBeUndefined();
    const verifyCa = sslOption('verify-ca', { ca: 'CA' }).ssl as Exclude<SslOption, false>;
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: 'CA' });
    expect(typeof verifyCa.checkServerIdentity).toBe('function');
    expect(sslOption('verify-full', { ca: 'CA' })).toEqual({ ssl: { rejectUnauthorized: true, ca: 'CA' }, fallbackToPlain: false });
  });

  it('takes the ssl parameters out of the URL, so pg neither maps them nor warns', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const settings = await connectionSettings(new URL('postgres://u:p@h:5432/db?sslmode=require&application_name=x'), 'DATABASE_URL');
    expect(settings).toEqual({ connectionString: 'postgres://u:p@h:5432/db?application_name=x', ssl: { rejectUnauthorized: false }, fallbackToPlain: false });
    // What pg receives: its own parser sees no sslmode, so our ssl option stands.
    const client = new pg.Client({ connectionString: settings.connectionString, ssl: settings.ssl });
    expect((client as unknown as { connectionParameters: { ssl: unknown } }).connectionParameters.ssl).toEqual({ rejectUnauthorized: false });
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect((await connectionSettings(new URL('postgres://h/db'), 'X')).fallbackToPlain).toBe(true);
    expect((await connectionSettings(new URL('postgres://h/db'), 'X', 'verify-full')).ssl).toEqual({ rejectUnauthorized: true });
    await expect(connectionSettings(new URL('postgres://h/db?sslmode=nope'), 'DATABASE_URL')).rejects.toThrow('DATABASE_URL has an unknown sslmode "nope"');
    await expect(connectionSettings(new URL('postgres://h/db?sslmode=verify-full&sslrootcert=/nonexistent.crt'), 'X')).rejects.toThrow(
      /Cannot read sslrootcert of X: \/nonexistent.crt: no such file/,
    );
  });
});

describe('connection URLs', () => {
  it('refuse a malformed %-escape by naming the part, never the value', () => {
    expect(() => parsePostgresUrl('postgres://u:Sup3r%S3cret@host/db', 'DATABASE_URL')).toThrow('DATABASE_URL has a malformed %-escape in its password');
    expect(catchError(() => parsePostgresUrl('postgres://u:Sup3r%S3cret@host/db', 'DATABASE_URL'))).toMatchObject({ exitCode: ExitCode.usage });
    expect(() => parsePostgresUrl('postgres://u%ZZ:p@host/db', 'X')).toThrow(/in its user name/);
    expect(parsePostgresUrl('postgres://u:Sup3r%25S3cret@host/db', 'X').password).toBe('Sup3r%25S3cret');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('redaction', () => {
  it('masks the password of a URL and keeps the rest readable', () => {
    expect(redactUrl('postgres://app:s3cr%40t@db.internal:5432/app?sslmode=require')).toBe('postgres://app:***@db.internal:5432/app?sslmode=require');
    expect(redactUrl('not a url with hunter2')).toBe('***');
  });

  it('scrubs URLs and known secrets from free text', () => {
    const text = 'failed for postgres://u:hunter2@h/db and again hunter2 and pa%20ss';
    expect(redactText(text, ['hunter2', 'pa ss'])).toBe('failed for postgres://u:***@h/db and again *** and ***');
  });

  it('never lets a driver message carry the password into an error, its hint or the stack --verbose prints', () => {
    const url = 'postgres://admin:topsecret@db.internal:5432/postgres';
    const target = { what: 'the admin connection (postgres://admin:***@db.internal:5432/postgres)', secrets: ['topsecret'] };
    // Messages as drivers and connection-string parsers write them: the URL quoted whole, or the password alone.
    const errors = [
      connectError(new Error(`invalid connection string ${url}`), target),
      connectError(Object.assign(new Error(`role "admin" does not exist (${url})`), { code: '28000' }), target),
      connectError(Object.assign(new Error(`database "x" does not exist; password=topsecret`), { code: '3D000' }), target),
      connectError(new Error(`The server does not support SSL connections (${url})`), target),
      connectError(new AggregateError([new Error(`could not connect with ${url}`)]), target),
      connectError(new Error('timeout expired after sending password topsecret'), target),
      statementError(Object.assign(new Error(`syntax error near "topsecret"`), { code: '42601', severity: 'ERROR' }), 'set the password of app', ['topsecret']),
      statementError(Object.assign(new Error(`permission denied using ${url}`), { code: '42501', severity: 'ERROR' }), 'create the role'),
    ];
    for (const error of errors) {
      // What the user sees: the message, the hint, and with --verbose the stack.
      const shown = [error.message, error.hint ?? '', error.stack ?? ''].join('\n');
      expect(shown, error.message).toContain('***');
      expect(shown, error.message).not.toContain('topsecret');
      expect(error.exitCode).not.toBe(ExitCode.ok);
    }
    // The rest of the message stays readable.
    expect(errors[0]!.message).toBe(
      'The admin connection (postgres://admin:***@db.internal:5432/postgres) failed: invalid connection string postgres://admin:***@db.internal:5432/postgres',
    );
    expect(errors[1]!.message).toContain('was refused: role "admin" does not exist');

    const wrong = connectError(Object.assign(new Error(`password authentication failed for user "admin"`), { code: '28P01' }), target);
    expect(wrong.message).toContain('wrong password for the user');
    expect(wrong.exitCode).toBe(ExitCode.unreachable);
    const refused = connectError(
      Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })]), {}),
      { what: 'the admin connection' },
    );
    expect(refused.message).toMatch(/Cannot reach the admin connection: connection refused/);
    expect(refused.exitCode).toBe(ExitCode.unreachable);
  });
});

describe('passwords', () => {
  it('are 32 random bytes, URL-safe', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generatePassword()).not.toBe(a);
  });

  it('reach the server only as a SCRAM-SHA-256 verifier (RFC 5802 / 7677)', () => {
    const salt = Buffer.from('0123456789abcdef');
    const verifier = scramVerifier('pencil', salt);
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(verifier).not.toContain('pencil');
    // Recompute independently: StoredKey = H(HMAC(SaltedPassword, "Client Key")).
    const salted = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
    const stored = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
    expect(verifier.split('$')[2]!.split(':')[0]).toBe(stored);
  });
});

describe('the app Secret', () => {
  const identity = databaseIdentity('api', 'production');

  it('holds DATABASE_URL and the PG* variables, pointing at the configured host', () => {
    const server = databaseServer({ mode: 'external', host: '10.0.1.5', port: 5433, sslMode: 'require', admin: { env: 'X' } });
    expect(secretData(identity, server, 'pw')).toEqual({
      DATABASE_URL: 'postgres://api_production:pw@10.0.1.5:5433/api_production?sslmode=require',
      PGHOST: '10.0.1.5',
      PGPORT: '5433',
      PGUSER: 'api_production',
      PGPASSWORD: 'pw',
      PGDATABASE: 'api_production',
      PGSSLMODE: 'require',
    });
  });

  it('points cnpg apps at the pooler, with a direct URL for migrations', () => {
    const server = databaseServer({ mode: 'cnpg', name: 'pg', namespace: 'postgres' });
    const data = secretData(identity, server, 'pw');
    expect(data.DATABASE_URL).toBe('postgres://api_production:pw@pg-pooler.postgres.svc:5432/api_production');
    expect(data.DATABASE_DIRECT_URL).toBe('postgres://api_production:pw@pg-rw.postgres.svc:5432/api_production');
    expect(server.admin).toEqual({ secret: { namespace: 'postgres', name: 'pg-superuser', key: 'uri' } });
    expect(secretData(identity, databaseServer({ mode: 'cnpg', pooler: false }), 'pw').DATABASE_URL).toBe(
      'postgres://api_production:pw@berth-pg-rw.postgres.svc:5432/api_production',
    );
  });

  it('reuses a stored password only for the same role, and compares contents exactly', () => {
    const server = databaseServer({ mode: 'external', host: 'h', admin: { env: 'X' } });
    const data = secretData(identity, server, 'pw');
    expect(storedPassword(data, identity)).toBe('pw');
    expect(storedPassword({ ...data, PGUSER: 'other' }, identity)).toBeUndefined();
    expect(sameData(data, secretData(identity, server, 'pw'))).toBe(true);
    expect(sameData(data, secretData(identity, server, 'pw2'))).toBe(false);
    expect(sameData(undefined, data)).toBe(false);
  });

  it('asks for a database config when there is none', () => {
    expect(() => databaseServer(undefined)).toThrow(/No database is configured/);
  });
});
