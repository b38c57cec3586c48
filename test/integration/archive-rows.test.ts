/**
 * A backup's row counts come from the archive as it streams by (archive-rows.ts), not from a second
 * scan of every table. They must equal what `count(*)` says in the same database for every kind
 * of table a real app has, and what verify reads back through pg_restore.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect, it } from 'vitest';
import { ArchiveRowCounter } from '../../src/backup/archive-rows.ts';
import { createBackup } from '../../src/backup/dump.ts';
import { countRows, listTables } from '../../src/backup/inspect.ts';
import { verifyBackup } from '../../src/backup/verify.ts';
import { start } from '../../src/exec/spawn.ts';
import { findTool, libpqEnv } from '../../src/postgres/tools.ts';
import { DirectoryStore } from '../../src/store/directory.ts';
import { tempDir } from '../unit/cli-harness.ts';
import { describeCluster, requireEnv, useDatabase, withClient } from './helpers.ts';

describeCluster('row counts read from the archive', () => {
  const database = useDatabase('rows');

  it('equal count(*) for empty, blank-line, escaped, partitioned, unlogged, other-schema and large-object tables, and verify agrees', async () => {
    await withClient(database.url, async (client) => {
      await client.query(`
        CREATE TABLE empty (id int);
        CREATE TABLE blanks (note text);
        INSERT INTO blanks VALUES (''), (''), (E'\\\\.'), ('');
        CREATE TABLE escaped (a text, b bytea);
        INSERT INTO escaped VALUES (E'line\\nbreak', '\\x0a0d'), (E'\\\\.\\n', NULL), (repeat('long ', 40000), '\\x00');
        CREATE TABLE measurements (at date NOT NULL, v int) PARTITION BY RANGE (at);
        CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        INSERT INTO measurements SELECT date '2025-06-01' + (g % 400), g FROM generate_series(1, 3000) g;
        CREATE UNLOGGED TABLE scratch (id int);
        INSERT INTO scratch SELECT generate_series(1, 77);
        CREATE SCHEMA "Billing ""EU""";
        CREATE TABLE "Billing ""EU"""."Invoice Lines" (id bigint, memo text);
        INSERT INTO "Billing ""EU"""."Invoice Lines" SELECT g, md5(g::text) FROM generate_series(1, 25000) g;
        SELECT lo_from_bytea(0, convert_to(repeat('blob', 5000), 'UTF8'));
        SELECT lo_from_bytea(0, '\\x0a0a0a');`);
    });
    const expected = await withClient(database.url, async (client) => countRows(client, await listTables(client)));
    expect(expected['public.measurements_2025']).toBeGreaterThan(0);

    // The counter itself reads pg_dump's output (it does not fall back to counting in the database).
    const dump = start([(await findTool('pg_dump')).path, '--format=custom', '--compress=0', '--no-password'], {
      env: libpqEnv(requireEnv().pgUrl, { label: 'admin', database: database.name }),
      stdout: 'pipe',
    });
    const counter = new ArchiveRowCounter();
    await pipeline(dump.stdout!, counter, new Writable({ write: (_chunk, _encoding, done) => done() }));
    expect((await dump.exited).code).toBe(0);
    expect(counter.whyOff).toBeUndefined();
    expect(counter.counts()).toEqual(expected);

    const store = new DirectoryStore(tempDir());
    const meta = await createBackup({
      app: 'rows',
      environment: 'it',
      source: { url: requireEnv().pgUrl, label: 'admin', database: database.name },
      store,
      reason: 'manual',
    });
    expect(meta.tables).toEqual(expected);
    // verify counts the rows again in pg_restore's SQL output and compares.
    const verified = await verifyBackup({ store, meta });
    expect(verified.status).toBe('verified');
  });
});
