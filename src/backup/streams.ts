/**
 * The stream stages of a backup: compression with Node's own zlib (zstd by default, in frames
 * with their checksum on, so a damaged archive fails to decompress; gzip as an option), a meter that
 * counts bytes and computes the sha256 on the way, and a gate that holds back the end of the
 * stream until the producer (pg_dump) has exited cleanly, so a store never publishes the output
 * of a failed dump.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createGzip, createZstdDecompress } from 'node:zlib';
import type { Compression } from './meta.ts';
import { scavengeAfter } from './scavenge.ts';
import { ZstdFrames } from './zstd-frames.ts';

const CHUNK = 1 << 18;

export function compressor(kind: Compression): Transform {
  return kind === 'gzip' ? createGzip({ chunkSize: CHUNK }) : new ZstdFrames();
}

export function decompressor(kind: Compression): Transform {
  return kind === 'gzip' ? createGunzip({ chunkSize: CHUNK }) : createZstdDecompress({ chunkSize: CHUNK });
}

/**
 * Counts and hashes what passes through; `hash: false` where no one reads the digest (a SHA-256
 * of pg_dump's raw output cost a second of CPU per GB).
 */
export class Meter extends Transform {
  bytes = 0;
  private readonly hash: Hash | undefined;
  private digest: string | undefined;
  /** The first bytes seen, for format checks. */
  head = Buffer.alloc(0);

  constructor(options: { hash?: boolean } = {}) {
    super();
    if (options.hash !== false) this.hash = createHash('sha256');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    scavengeAfter(chunk.length);
    this.hash?.update(chunk);
    if (this.head.length < 16) this.head = Buffer.concat([this.head, chunk.subarray(0, 16 - this.head.length)]);
    done(null, chunk);
  }

  sha256(): string {
    if (!this.hash) throw new Error('this meter does not hash');
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

/** Passes data through; ends only when `check` resolves, and fails the stream if it rejects. */
export function gateEnd(check: () => Promise<void>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, chunk);
    },
    flush(done) {
      check().then(
        () => done(),
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
}
