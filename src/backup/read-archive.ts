/**
 * Reading an archive back out of a store: the stored bytes are hashed as they stream, then
 * decompressed and handed to pg_restore (into a database, or as SQL to count every row). The
 * checksum is only known at the end, so callers treat the result as untrusted until `finish()`
 * has compared it with the sidecar.
 */
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { ObjectStore } from '../store/store.ts';
import { BackupError, rootCause } from './failure.ts';
import { archiveKey } from './layout.ts';
import type { BackupMeta } from './meta.ts';
import { scavengeAfter } from './scavenge.ts';
import { decompressor, Meter } from './streams.ts';

/** Streams the archive into `sink` (pg_restore's stdin); resolves once the checksum matched. */
export async function streamArchive(store: ObjectStore, meta: BackupMeta, sink: Writable, signal?: AbortSignal): Promise<void> {
  const key = archiveKey(meta.app, meta.environment, meta.archive);
  const source = await store.read(key, { signal }).catch((error: unknown) => {
    throw rootCause([error], signal);
  });
  const meter = new Meter();
  const unpack = decompressor(meta.compression);
  let damaged: Error | undefined;
  // Only the decompressor's own verdict counts as damage, not a pipe torn down by pg_restore.
  unpack.once('error', (error: NodeJS.ErrnoException) => {
    if (/^(Z_|ZSTD_)/.test(error.code ?? '')) damaged = error;
  });
  try {
    await pipeline(source, meter, unpack, tolerant(sink), { signal });
  } catch (error) {
    if (signal?.aborted) throw rootCause([error], signal);
    // A damaged archive fails to decompress (zstd's frame checksum catches a flipped byte).
    if (damaged) throw new BackupError('ARCHIVE_CORRUPT', `The archive ${meta.archive} is damaged: ${damaged.message}`, { cause: damaged });
    throw rootCause([error], signal);
  }
  checkDigest(meta, meter);
}

export function checkDigest(meta: BackupMeta, meter: Meter): void {
  if (meter.bytes !== meta.bytes || meter.sha256() !== meta.sha256) {
    throw new BackupError(
      'CHECKSUM_MISMATCH',
      `The archive ${meta.archive} does not match its sidecar: ${meter.bytes} bytes with sha256 ${meter.sha256().slice(0, 12)}…, expected ${meta.bytes} bytes with ${meta.sha256?.slice(0, 12)}…`,
    );
  }
}

/**
 * Writes into a child's stdin, and once the child stops reading (pg_restore exits as soon as it
 * has what it needs, or fails) swallows the rest: the archive is still read to its end, so its
 * checksum is always checked, and the child's exit code tells whether it was happy.
 */
function tolerant(stdin: Writable): Writable {
  let closed = false;
  const close = () => {
    closed = true;
  };
  stdin.on('error', close);
  stdin.on('close', close);
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      // The decompressed chunks are the bulk of a restore's garbage.
      scavengeAfter(chunk.length);
      if (closed || stdin.destroyed) return done();
      if (stdin.write(chunk)) return done();
      const go = () => {
        stdin.off('drain', go);
        stdin.off('close', go);
        done();
      };
      stdin.on('drain', go);
      stdin.on('close', go);
    },
    final(done) {
      if (closed || stdin.destroyed) return done();
      stdin.end(() => done());
    },
  });
}
