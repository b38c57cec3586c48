/** The pure parts of per-app databases: names, redaction, password verifiers, Secret contents. */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { databaseComment, databaseIdentity, parseDatabaseComment } from '../../src/db/names.ts';
import { generatePassword, scramVerifier } from '../../src/db/password.ts';
import { redactText, redactUrl } from '../../src/db/redact.ts';
import { sameData, secretData, storedPassword } from '../../src/db/secret-data.ts';
import { databaseServer } from '../../src/db/server.ts';
import { connectError } from '../../src/db/errors.ts';
import { ExitCode } from '../../src/errors.ts';

describe('database names', () => {
  it('are <app>_<env>, lower case, with anything outside [a-z0-9_] turned into _', () => {
    expect(databaseIdentity('api', 'production')).toMatchObject({ database: 'api_production', role: 'api_production' });
    expect(databaseIdentity('Shop-Web', 'qa-2').database).toBe('shop_web_qa_2');
    expect(databaseIdentity('9lives', 'prod').database).toBe('a9lives_prod');
  });

  it('refuses names Postgres would silently truncate', () => {
    expect(() => databaseIdentity('a'.repeat(40), 'b'.repeat(30))).toThrow(/longer than 63 bytes/);
  });

  it('label their database with a comment that round-trips', () => {
    const identity = databaseIdentity('api', 'staging');
    expect(parseDatabaseComment(databaseComment(identity))).toEqual({ app: 'api', environment: 'staging' });
    expect(parseDatabaseComment('something else')).toBeUndefined();
    expect(parseDatabaseComment(null)).toBeUndefined();
  });
});

describe('redaction', () => {
  it('masks the password of a URL and keeps the rest readable', () => {
    expect(redactUrl('postgres://app:s3cr%40t@db.internal:5432/app?sslmode=require')).toBe('postgres://app:***@db.internal:5432/app?sslmode=require');
    expect(redactUrl('not a url with hunter2')).toBe('***');
  });

  it('scrubs URLs and known secrets from free text', () => {
    const text = 'failed for postgres://u:hunter2@h/db and again hunter2 and pa%20ss';
    expect(redactText(text, ['hunter2', 'pa ss'])).toBe('failed for postgres://u:***@h/db and again *** and ***');
  });

  it('never lets a driver message carry the password into an error', () => {
    const error = Object.assign(new Error('password authentication failed; tried postgres://admin:topsecret@10.0.0.2/postgres'), { code: '28P01' });
    const translated = connectError(error, { what: 'the admin connection', secrets: ['topsecret'] });
    expect(translated.exitCode).toBe(ExitCode.unreachable);
    expect(translated.message).not.toContain('topsecret');
    const refused = connectError(Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })]), {}), { what: 'the admin connection' });
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
    expect(secretData(identity, databaseServer({ mode: 'cnpg', pooler: false }), 'pw').DATABASE_URL).toBe('postgres://api_production:pw@berth-pg-rw.postgres.svc:5432/api_production');
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
