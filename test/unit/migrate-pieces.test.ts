/** The pure parts of the migration runner: file reading, statement splitting, drift. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDrift, SchemaDriftError } from '../../src/migrate/drift.ts';
import { migrationFailed, runnerError } from '../../src/migrate/failure.ts';
import { checksum, hasNoTransactionMarker, readMigrationFiles } from '../../src/migrate/files.ts';
import { lineAt, splitStatements, transactionControl } from '../../src/migrate/split.ts';
import { ExitCode } from '../../src/errors.ts';

describe('migration files', () => {
  it('reads *.sql in byte order of their names, ignoring other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-mig-'));
    for (const name of ['0010_c.sql', '0002_b.sql', '0001_a.sql', 'README.md']) writeFileSync(join(dir, name), 'SELECT 1;\n');
    expect((await readMigrationFiles(dir)).map((f) => f.name)).toEqual(['0001_a.sql', '0002_b.sql', '0010_c.sql']);
  });

  it('says which directory is missing', async () => {
    await expect(readMigrationFiles('/nonexistent/migrations')).rejects.toThrow(/migrations directory \/nonexistent\/migrations: it does not exist/);
  });

  it('ignores line endings in checksums, so a CRLF checkout is not drift', () => {
    expect(checksum('SELECT 1;\r\nSELECT 2;\r\n')).toBe(checksum('SELECT 1;\nSELECT 2;\n'));
    expect(checksum('SELECT 1;')).not.toBe(checksum('SELECT 2;'));
  });

  it('opts out of the transaction only with the marker in the leading comments', () => {
    expect(hasNoTransactionMarker('-- berth:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);')).toBe(true);
    expect(hasNoTransactionMarker('-- adds an index\n--  berth:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);')).toBe(true);
    expect(hasNoTransactionMarker('SELECT 1;\n-- berth:no-transaction')).toBe(false);
    expect(hasNoTransactionMarker('CREATE TABLE t (c int);')).toBe(false);
  });
});

describe('splitting statements', () => {
  it('splits at top-level semicolons only', () => {
    const sql = [
      "INSERT INTO t VALUES ('a;b', 'it''s;', E'x\\';y');",
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;',
      'CREATE FUNCTION g() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql;',
      '-- a comment; with a semicolon',
      '/* block; /* nested; */ still; */ SELECT "we;ird" FROM t;',
      'SELECT 2',
    ].join('\n');
    expect(splitStatements(sql).map((s) => s.text.replace(/\s+/g, ' '))).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s;', E'x\\';y')",
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql',
      'CREATE FUNCTION g() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql',
      '-- a comment; with a semicolon /* block; /* nested; */ still; */ SELECT "we;ird" FROM t',
      'SELECT 2',
    ]);
  });

  it('drops empty and comment-only pieces and keeps offsets for line numbers', () => {
    const sql = '-- berth:no-transaction\n\nCREATE INDEX CONCURRENTLY a ON t (x);\n;\n  CREATE INDEX CONCURRENTLY b ON t (y);\n-- done\n';
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(2);
    expect(lineAt(sql, statements[1]!.offset)).toBe(5);
  });
});

describe('transaction control in a transactional file', () => {
  const found = (sql: string) => transactionControl(sql).map((s) => s.text.replace(/\s+/g, ' '));

  it('finds top-level BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION', () => {
    const sql =
      "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nstart transaction isolation level serializable;\nend;\nrollback work;\nabort;\nPREPARE TRANSACTION 'x';\n-- c\n  Commit and chain;";
    expect(found(sql)).toEqual([
      'BEGIN',
      'COMMIT',
      'start transaction isolation level serializable',
      'end',
      'rollback work',
      'abort',
      "PREPARE TRANSACTION 'x'",
      'Commit and chain',
    ]);
    expect(lineAt(sql, transactionControl(sql)[1]!.offset)).toBe(3);
  });

  it('ignores them inside strings, comments and function bodies, and allows savepoints', () => {
    const sql = [
      "INSERT INTO t VALUES ('BEGIN; COMMIT;');",
      '/* COMMIT; */ SELECT 1;',
      '-- COMMIT;',
      'CREATE FUNCTION f() RETURNS void AS $$ BEGIN PERFORM 1; COMMIT; END $$ LANGUAGE plpgsql;',
      "DO $do$ BEGIN RAISE NOTICE 'x'; END $do$;",
      'SAVEPOINT s; ROLLBACK TO SAVEPOINT s; ROLLBACK WORK TO s; RELEASE s;',
      "CREATE FUNCTION g(x int) RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 'p' ELSE 'n' END; SELECT 'y'; END;",
      'SELECT 2;',
    ].join('\n');
    expect(found(sql)).toEqual([]);
  });

  it('keeps a BEGIN ATOMIC body in one statement when splitting', () => {
    const sql = 'CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); SELECT CASE WHEN true THEN 1 END; END;\nSELECT 1;';
    expect(splitStatements(sql).map((s) => s.text)).toEqual([
      'CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); SELECT CASE WHEN true THEN 1 END; END',
      'SELECT 1',
    ]);
  });
});

describe('drift', () => {
  const file = (name: string, sql: string) => ({ name, path: name, sql, checksum: checksum(sql), transactional: true });
  const entry = (name: string, sql: string) => ({ name, checksum: checksum(sql), appliedAt: new Date(0), durationMs: 1 });

  it('finds applied files that changed or vanished, and only those', () => {
    const drift = findDrift([file('1.sql', 'A'), file('2.sql', 'B2'), file('4.sql', 'D')], [entry('1.sql', 'A'), entry('2.sql', 'B'), entry('3.sql', 'C')]);
    expect(drift).toEqual({ changed: ['2.sql'], missing: ['3.sql'] });
  });

  it('is an error with its own exit code, naming the files', () => {
    const error = new SchemaDriftError({ changed: ['0002_users.sql'], missing: ['0003_gone.sql'] });
    expect(error.exitCode).toBe(ExitCode.drift);
    expect(error.message).toMatch(/^schema drift: 2 applied migrations no longer match their files/);
    expect(error.message).toContain('0002_users.sql');
    expect(error.message).toContain('0003_gone.sql');
  });
});

describe('a failed migration as the user sees it', () => {
  const file = (sql: string) => ({ name: '0002_feeds.sql', path: '0002_feeds.sql', sql, checksum: checksum(sql), transactional: true });
  const shown = (error: { message: string; hint?: string; stack?: string }) => [error.message, error.hint ?? '', error.stack ?? ''].join('\n');

  it('keeps the file, line and Postgres words but never a password from a connection string in them', () => {
    const sql =
      "CREATE TABLE feeds (url text UNIQUE);\nINSERT INTO feeds VALUES ('postgres://reporting:hunter2@replica/app');\nINSERT INTO feeds VALUES ('postgres://reporting:hunter2@replica/app');\n";
    // As pg reports a unique violation: the duplicate value in `detail`, the statement in `where` (from PL/pgSQL).
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint "feeds_url_key" for postgres://reporting:hunter2@replica/app'), {
      code: '23505',
      position: String(sql.lastIndexOf('INSERT') + 1),
      detail: 'Key (url)=(postgres://reporting:hunter2@replica/app) already exists.',
      where: `SQL statement "INSERT INTO feeds VALUES ('postgresql://reporting:hunter2@replica/app')"`,
      hint: 'check postgres://reporting:hunter2@replica/app',
    });
    const error = migrationFailed(pgError, file(sql), 0, ['0001_init.sql']);
    expect(shown(error)).not.toContain('hunter2');
    expect(error.message).toContain('Migration 0002_feeds.sql failed at line 3: duplicate key value violates unique constraint "feeds_url_key"');
    expect(error.message).toContain('(SQLSTATE 23505)');
    expect(error.message).toContain('detail: Key (url)=(postgres://reporting:***@replica/app) already exists.');
    expect(error.message).toContain(`where: SQL statement "INSERT INTO feeds VALUES ('postgresql://reporting:***@replica/app')"`);
    expect(error.message).toContain('postgres hint: check postgres://reporting:***@replica/app');
    expect(error.message).toContain('applied before it in this run: 0001_init.sql');

    const stopped = runnerError(Object.assign(new Error('could not open postgres://app:hunter2@db/app'), { code: '42501' }));
    expect(shown(stopped)).not.toContain('hunter2');
    expect(stopped.message).toBe('Migrations stopped: could not open postgres://app:***@db/app (SQLSTATE 42501)');
  });
});
