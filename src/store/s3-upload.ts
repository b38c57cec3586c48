/**
 * A streamed multipart upload with fixed memory and one checksum pass (internal to the S3 store).
 *
 * Why not lib-storage's Upload: for every part it concatenated the stream's chunks into a new
 * buffer (garbage of a part's size per part, which the GC and malloc return late: the berth process
 * peaked at 170+ MB), the SDK computed a CRC32 of every part while berth computed its own, and
 * SigV4 hashed every part's payload with SHA-256: three passes over the data on a 2-core machine
 * that also runs pg_dump and the compressor. Here:
 *  - parts are copied into `concurrency + 1` buffers allocated once and reused (one filling while
 *    the others upload), so memory is partSize × (concurrency + 1) whatever the archive's size;
 *  - berth's CRC32 of a part is sent with it (x-amz-checksum-crc32): the server rejects a part whose
 *    bytes do not match it, and the SDK computes nothing more;
 *  - the payload is sent as UNSIGNED-PAYLOAD: the signed CRC32 header already covers the bytes
 *    against corruption (TLS covers them against tampering on https; the archive's sha256 in the
 *    sidecar, which is uploaded signed, is checked by verify).
 * The object exists only after CompleteMultipartUpload; any failure, a failing body or Ctrl-C aborts
 * the multipart upload, so nothing partial is published. An archive smaller than one part goes up in
 * one PutObject, also with its CRC32.
 */
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { crc32Base64, PartChecksums } from './crc32.ts';

/** S3's limit on the number of parts. */
const MAX_PARTS = 10_000;

export interface UploadTarget {
  Bucket: string;
  Key: string;
}

export interface UploadOptions {
  partSize: number;
  /** Parts uploading at once. */
  concurrency: number;
  signal?: AbortSignal;
  /** Turns a failed request into the error the body is failed with (so its producer stops) and that is thrown. */
  describe: (error: unknown) => Error;
}

/** Signs the request without hashing its body (the CRC32 header, which is signed, covers it). */
function unsignedPayload<C extends PutObjectCommand | UploadPartCommand>(command: C): C {
  (command as UploadPartCommand).middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'berthUnsignedPayload' },
  );
  return command;
}

/**
 * Uploads `body` to `target`; resolves with the CRC32s of what was sent once the object exists.
 * A failed body is rethrown as is; a failed request is thrown as `describe(error)`.
 */
export async function uploadStream(client: S3Client, target: UploadTarget, body: Readable, options: UploadOptions): Promise<PartChecksums> {
  const { partSize, concurrency } = options;
  const sums = new PartChecksums();
  const requests = new AbortController();
  const pool: Buffer[] = [];
  let allocated = 0;
  let parts = 0;
  const inFlight = new Set<Promise<void>>();
  const completed: CompletedPart[] = [];
  let created: Promise<string> | undefined;
  let requestFailure: Error | undefined;

  const fail = (error: unknown) => {
    if (requestFailure || requests.signal.aborted) return;
    requestFailure = options.describe(error);
    requests.abort(requestFailure);
    body.destroy(requestFailure);
  };
  const interrupt = () => fail(Object.assign(new Error('Upload aborted.'), { name: 'AbortError' }));
  if (options.signal?.aborted) interrupt();
  options.signal?.addEventListener('abort', interrupt, { once: true });
  const send = <T>(command: { middlewareStack: unknown }) => client.send(command as never, { abortSignal: requests.signal }) as Promise<T>;

  const buffer = async (): Promise<Buffer> => {
    while (pool.length === 0 && allocated > concurrency) await Promise.race(inFlight);
    if (pool.length) return pool.pop()!;
    allocated++;
    return Buffer.allocUnsafeSlow(partSize);
  };
  const startPart = (part: Buffer, length: number) => {
    const number = ++parts;
    if (number > MAX_PARTS) throw options.describe(new Error(`the archive needs more than ${MAX_PARTS} parts of ${partSize} bytes`));
    const data = part.subarray(0, length);
    const checksum = crc32(data);
    sums.add(checksum, length);
    created ??= send<{ UploadId?: string }>(new CreateMultipartUploadCommand({ ...target, ChecksumAlgorithm: 'CRC32' })).then((r) => r.UploadId!);
    const uploading = created
      .then((UploadId) =>
        send<{ ETag?: string }>(
          unsignedPayload(
            new UploadPartCommand({ ...target, UploadId, PartNumber: number, Body: data, ContentLength: length, ChecksumCRC32: crc32Base64(checksum) }),
          ),
        ),
      )
      .then((result) => {
        if (!result.ETag) throw new Error(`the store returned no ETag for part ${number}`);
        completed.push({ PartNumber: number, ETag: result.ETag, ChecksumCRC32: crc32Base64(checksum) });
      })
      .catch(fail)
      .finally(() => {
        inFlight.delete(uploading);
        pool.push(part);
      });
    inFlight.add(uploading);
  };

  try {
    let part = await buffer();
    let filled = 0;
    const take = async (chunk: Buffer) => {
      for (let offset = 0; offset < chunk.length; ) {
        const copied = chunk.copy(part, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === partSize) {
          startPart(part, filled);
          part = await buffer();
          filled = 0;
        }
      }
      if (requestFailure) throw requestFailure;
    };
    // Each chunk as it was written, into a Writable: a `for await` over the body would hand over
    // what has piled up joined into a new buffer (Readable.read), garbage the size of the archive.
    await pipeline(
      body,
      new Writable({
        highWaterMark: 0,
        write: (chunk: Buffer, _encoding, done) => {
          take(chunk).then(() => done(), done);
        },
      }),
    );
    if (!created) {
      // Smaller than one part: a single PUT, which also publishes only when complete.
      const data = part.subarray(0, filled);
      const checksum = crc32(data);
      sums.add(checksum, filled);
      await send(unsignedPayload(new PutObjectCommand({ ...target, Body: data, ContentLength: filled, ChecksumCRC32: crc32Base64(checksum) }))).catch(fail);
      if (requestFailure) throw requestFailure;
      return sums;
    }
    if (filled > 0) startPart(part, filled);
    while (inFlight.size) await Promise.race(inFlight);
    if (requestFailure) throw requestFailure;
    // Never complete an upload that lacks a part (aws-sdk-js-v3 #2311).
    if (completed.length !== parts) throw options.describe(new Error(`${parts - completed.length} of ${parts} parts did not arrive`));
    completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
    const UploadId = await created;
    await send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: completed } })).catch(fail);
    if (requestFailure) throw requestFailure;
    created = undefined;
    return sums;
  } catch (error) {
    // The body's own failure is thrown as is; stop the parts still going and drop the staged ones.
    requests.abort(error);
    await Promise.allSettled([...inFlight]);
    if (created) {
      const UploadId = await created.catch(() => undefined);
      if (UploadId) await abortUpload(client, target, UploadId);
    }
    throw requestFailure ?? error;
  } finally {
    options.signal?.removeEventListener('abort', interrupt);
  }
}

/**
 * Drops a multipart upload. A part still being written when the abort arrives may bring it back
 * (S3's AbortMultipartUpload: "it might be necessary to abort a given multipart upload multiple
 * times"), so abort until the store lists it no more, a few times at most.
 */
async function abortUpload(client: S3Client, target: { Bucket: string; Key: string }, UploadId: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => {});
    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: target.Bucket, Prefix: target.Key })).catch(() => undefined);
    if (!listed?.Uploads?.some((u) => u.UploadId === UploadId)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
