// The archive row counter on hand-built custom-format archives (the integration test reads real
// pg_dump output): counts survive any split of the stream into reads, and anything it cannot read
// turns it off, so the backup counts in the database instead of recording wrong numbers.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ArchiveRowCounter } from '../../src/backup/archive-rows.ts';

const int = (n: number) => {
  const b = Buffer.alloc(5);
  b[0] = n < 0 ? 1 : 0;
  b.writeUInt32LE(Math.abs(n), 1);
  return b;
};
const str = (s: string | null) => (s === null ? int(-1) : Buffer.concat([int(Buffer.byteLength(s)), Buffer.from(s)]));

function entry(dumpId: number, desc: string, tag: string, namespace: string): Buffer {
  return Buffer.concat([
    int(dumpId),
    int(desc === 'TABLE DATA' ? 1 : 0),
    str('1259'),
    str('16384'),
    str(tag),
    str(desc),
    int(3),
    str(''),
    str(''),
    str(desc === 'TABLE DATA' ? `COPY ${namespace}.${tag} FROM stdin;\n` : ''),
    str(namespace),
    str(''),
    str('heap'),
    str('owner'),
    str('false'),
    str('1'),
    str(null),
    Buffer.from([1]),
    Buffer.alloc(8),
  ]);
}

/** Version 1.14 (PostgreSQL 12–15), uncompressed, the tables' rows as pg_dump writes them: a chunk per row, then the end marker. */
function archive(tables: Record<string, string[]>, options: { minor?: number; compressed?: boolean } = {}): Buffer {
  const names = Object.keys(tables);
  const head = Buffer.concat([
    Buffer.from('PGDMP'),
    Buffer.from([1, options.minor ?? 14, 0, 4, 8, 1]),
    int(options.compressed ? -1 : 0),
    ...Array.from({ length: 7 }, () => int(1)),
    str('app'),
    str('15.8'),
    str('15.8'),
    int(names.length + 1),
    entry(1, 'SCHEMA', 'public', ''),
    ...names.map((name, i) => entry(i + 2, 'TABLE DATA', name, 'public')),
  ]);
  const blocks = names.map((name, i) =>
    Buffer.concat([
      Buffer.from([1]),
      int(i + 2),
      ...[...tables[name]!.map((row) => `${row}\n`), '\\.\n\n\n'].flatMap((chunk) => [int(Buffer.byteLength(chunk)), Buffer.from(chunk)]),
      int(0),
    ]),
  );
  return Buffer.concat([head, ...blocks]);
}

async function count(bytes: Buffer, readSize: number): Promise<ArchiveRowCounter> {
  const reads: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += readSize) reads.push(bytes.subarray(at, at + readSize));
  const counter = new ArchiveRowCounter();
  let passed = 0;
  await pipeline(
    Readable.from(reads),
    counter,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        passed += chunk.length;
        done();
      },
    }),
  );
  expect(passed).toBe(bytes.length);
  return counter;
}

describe('ArchiveRowCounter', () => {
  const tables = { orders: ['1\tbook', '2\tpen', '3\t\\\\.'], empty: [], blanks: ['', '', ''] };

  it('counts every table, however the stream is split into reads', async () => {
    const bytes = archive(tables);
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const counter = await count(bytes, size);
      expect(counter.counts(), `reads of ${size} bytes`).toEqual({ 'public.orders': 3, 'public.empty': 0, 'public.blanks': 3 });
    }
  });

  it('turns itself off, passing the data through, for an archive it cannot read', async () => {
    for (const bytes of [
      archive(tables, { minor: 17 }),
      archive(tables, { compressed: true }),
      archive(tables).subarray(0, archive(tables).length - 9),
      Buffer.from('not an archive at all, just text'),
    ]) {
      expect((await count(bytes, 5)).counts()).toBeUndefined();
    }
  });
});
