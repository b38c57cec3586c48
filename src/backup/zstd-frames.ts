/**
 * zstd compression in 1 MiB frames, on two long-lived zstd streams ("lanes") that compress
 * alternate frames at the same time on libuv's thread pool.
 *
 * Why not one `createZstdCompress` fed pg_dump's 64 KiB pipe reads: zstd copies them into a ring
 * buffer and, once it wraps, finds matches with its slower two-segment ("extDict") search, and
 * every read is a separate trip to the thread pool. That took 1.5–2× the `zstd -3` CLI's time on
 * the same dump (perf: 35–49 % of it in ZSTD_compressBlock_doubleFast_extDict_generic). A frame
 * is written whole and ended (ZSTD_e_end), so the next one starts at the front of the buffer and
 * never wraps; a lane keeps its context, so memory stays what one stream needs, twice.
 *
 * Concatenated frames are one valid zstd stream (`zstd -d` and Node's decompressor read them
 * through); each frame carries its own checksum. The ratio is about the CLI's: zstd -3's window is
 * 2 MiB, so little is lost at frame edges.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { constants, createZstdCompress, type ZstdCompress } from 'node:zlib';

const FRAME = 1 << 20;
const LANES = 2;

/** One zstd stream that compresses whole frames, one after another. */
class Lane {
  private readonly zstd: ZstdCompress;
  private output: Buffer[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor() {
    this.zstd = createZstdCompress({
      chunkSize: 1 << 18,
      params: { [constants.ZSTD_c_compressionLevel]: 3, [constants.ZSTD_c_checksumFlag]: 1 },
    });
    this.zstd.on('data', (chunk: Buffer) => this.output.push(chunk));
  }

  /** The frame's compressed bytes: everything the stream put out up to the end of the frame. */
  compress(input: Buffer): Promise<Buffer[]> {
    const frame = this.queue.then(
      () =>
        new Promise<Buffer[]>((resolve, reject) => {
          this.zstd.once('error', reject);
          this.zstd.write(input);
          this.zstd.flush(constants.ZSTD_e_end, () => {
            this.zstd.off('error', reject);
            const out = this.output;
            this.output = [];
            resolve(out);
          });
        }),
    );
    this.queue = frame.catch(() => undefined);
    return frame;
  }

  close(): void {
    this.zstd.destroy();
  }
}

export class ZstdFrames extends Transform {
  #frame: Buffer = Buffer.allocUnsafe(FRAME);
  #filled = 0;
  #sent = 0;
  readonly #spare: Buffer[] = [];
  readonly #lanes = Array.from({ length: LANES }, () => new Lane());
  /** Frames being compressed, oldest first: their output goes out in this order. */
  readonly #compressing: Promise<Buffer[]>[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#fill(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    (async () => {
      if (this.#filled > 0) this.#compressFilled();
      while (this.#compressing.length) await this.#pushOldest();
    })().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    for (const lane of this.#lanes) lane.close();
    done(error);
  }

  async #fill(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length; ) {
      const n = chunk.copy(this.#frame, this.#filled, offset);
      this.#filled += n;
      offset += n;
      if (this.#filled < FRAME) continue;
      this.#compressFilled();
      // The chunk's callback waits while every lane is busy: that is the backpressure.
      while (this.#compressing.length >= LANES) await this.#pushOldest();
    }
  }

  #compressFilled(): void {
    const frame = this.#frame;
    const input = frame.subarray(0, this.#filled);
    this.#frame = this.#spare.pop() ?? Buffer.allocUnsafe(FRAME);
    this.#filled = 0;
    const compressed = this.#lanes[this.#sent++ % LANES]!.compress(input);
    // Once its lane is done with it the frame's memory takes the next frame: a gigabyte of dump is
    // not a thousand fresh megabytes for the garbage collector.
    compressed.then(
      () => this.#spare.push(frame),
      () => undefined,
    );
    // Awaited in order; a failure while an older frame is awaited must not go unhandled meanwhile.
    compressed.catch(() => undefined);
    this.#compressing.push(compressed);
  }

  async #pushOldest(): Promise<void> {
    for (const chunk of await this.#compressing.shift()!) this.push(chunk);
  }
}
