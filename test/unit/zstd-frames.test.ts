// The zstd stage writes independent frames, two at a time; what a user needs from it is an archive
// that decompresses to exactly the dump, in order, and that fails loudly when damaged.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressor, decompressor } from '../../src/backup/streams.ts';

/** ~3.7 MiB like a dump: compressible text with random stretches, cut into odd-sized pipe reads. */
function dumpLike(): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < 80_000; i++) parts.push(Buffer.from(`${i}\tcustomer ${i % 977}\t${(i * 7919) % 100_003}\t2026-12-0${i % 9}\n`));
  for (let i = 0; i < 2; i++) parts.push(randomBytes(100_000));
  const whole = Buffer.concat(parts);
  const reads: Buffer[] = [];
  for (let at = 0, n = 1; at < whole.length; at += n, n = (n * 31 + 7) % 70_000 || 1) reads.push(whole.subarray(at, at + n));
  return reads;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

async function compressed(reads: Buffer[]): Promise<Buffer> {
  const zstd = compressor('zstd');
  const done = collect(zstd);
  await pipeline(Readable.from(reads), zstd);
  return done;
}

describe('zstd archives', () => {
  it('decompress to exactly the input, in order, across frame edges', async () => {
    const reads = dumpLike();
    const input = Buffer.concat(reads);
    const archive = await compressed(reads);
    expect(archive.length).toBeLessThan(input.length / 2);
    const back = await collect(Readable.from([archive]).pipe(decompressor('zstd')));
    expect(back.length).toBe(input.length);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(input).digest('hex'));
    // Any zstd reader takes it: concatenated frames are one zstd stream.
    expect(zstdDecompressSync(archive).equals(input)).toBe(true);
  });

  it('an empty dump is an empty archive, and a tiny one a single frame', async () => {
    expect((await compressed([])).length).toBe(0);
    const tiny = await compressed([Buffer.from('PGDMP')]);
    expect(zstdDecompressSync(tiny).toString()).toBe('PGDMP');
  });

  it('a flipped byte in any frame fails decompression (every frame has its checksum)', async () => {
    const archive = await compressed(dumpLike());
    const damaged = Buffer.from(archive);
    damaged[Math.floor(damaged.length * 0.8)]! ^= 0xff;
    await expect(collect(Readable.from([damaged]).pipe(decompressor('zstd')))).rejects.toThrow();
  });
});
