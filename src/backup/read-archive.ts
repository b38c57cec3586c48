/**
 * Reading an archive back out of a store: the stored bytes are hashed as they stream, then
 * decompressed and handed to pg_restore (into a database, or as SQL to count every row). The
 * checksum is only known at the end, so callers treat the result as untrusted until `finish()`
 * has compared it with the sidecar.
 */
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { ObjectStore } from '../store/store.ts';
import { BackupError, rootCause } from './failure.ts';
import { archiveKey } from './layout.ts';
import type { BackupMeta } from './meta.ts';
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
  unpack.once('error', (error) => (damaged = error));
  try {
    await pipeline(source, meter, unpack, sink, { signal });
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
