// A backup's memory stays flat: the dead chunks of a long stream (pg_dump's pipe delivers ~24 kB
// at a time, each a fresh buffer outside V8's heap) are collected while young instead of piling up
// until V8's 64 MB external-memory limit.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect, it } from 'vitest';
import { Meter } from '../../src/backup/streams.ts';

it('streaming 400 MB through a meter keeps at most ~16 MiB of dead chunk buffers alive', async () => {
  let sent = 0;
  let peak = 0;
  const source = new Readable({
    read() {
      if (sent >= 400 * 1024 * 1024) return this.push(null);
      sent += 64 * 1024;
      // A fresh buffer per chunk, as a pipe read makes; filled so its pages are really used.
      this.push(Buffer.alloc(64 * 1024, sent & 255));
    },
  });
  const sink = new Writable({
    write(_chunk, _encoding, done) {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      done();
    },
  });
  const before = process.memoryUsage().arrayBuffers;
  await pipeline(source, new Meter({ hash: false }), sink);
  expect(peak - before).toBeLessThan(32 * 1024 * 1024);
});
