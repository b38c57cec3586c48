/**
 * An S3-compatible store (AWS, MinIO, Versity, Hetzner/Backblaze/R2 and the like). Archives go up
 * as a streamed multipart upload (lib-storage): the object only exists once CompleteMultipartUpload
 * succeeded, and a failed body or part aborts the upload, so nothing partial is ever visible.
 * After the upload the object's length and CRC32 checksum (computed here per part, as S3 composes
 * it) are read back with HeadObject and compared; a mismatch deletes the object (a part missing
 * from a "successful" upload, aws-sdk-js-v3 #2311, is caught here). The part size grows with the
 * expected size so the 10,000-part limit is never reached; memory stays at about two parts.
 */
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type _Object } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BerthError } from '../errors.ts';
import { redactText } from '../redact.ts';
import { checkKey, type ObjectStore, StoreError, type StoredObject, type WriteOptions } from './store.ts';

export interface S3Settings {
  bucket: string;
  /** Key prefix inside the bucket (no leading or trailing `/` needed). */
  prefix?: string;
  /** For non-AWS servers, e.g. https://s3.eu-central-003.backblazeb2.com; path-style addressing then. */
  endpoint?: string;
  region?: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

const MIB = 1024 * 1024;
const MIN_PART = 8 * MIB;
/** Stay well under S3's 10,000 parts even when the archive is bigger than hinted. */
const TARGET_PARTS = 2_000;

/** Part size for an archive of about `sizeHint` bytes: 8 MiB, or bigger in whole MiB. */
export function partSizeFor(sizeHint: number | undefined): number {
  if (!sizeHint || sizeHint <= MIN_PART * TARGET_PARTS) return MIN_PART;
  return Math.ceil(sizeHint / TARGET_PARTS / MIB) * MIB;
}

/** CRC32 per part and of the whole body, to compare with what the server composed. */
class PartChecksums extends Transform {
  bytes = 0;
  whole = 0;
  readonly parts: number[] = [];
  private current = 0;
  private inPart = 0;
  private readonly partSize: number;
  constructor(partSize: number) {
    super({ highWaterMark: 1 << 20 });
    this.partSize = partSize;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    this.whole = crc32(chunk, this.whole);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.partSize - this.inPart);
      this.current = crc32(chunk.subarray(offset, offset + take), this.current);
      this.inPart += take;
      offset += take;
      if (this.inPart === this.partSize) this.closePart();
    }
    done(null, chunk);
  }
  private closePart(): void {
    this.parts.push(this.current);
    this.current = 0;
    this.inPart = 0;
  }
  /** The checksum S3 reports for the object: whole-object for a single PUT, composite for multipart. */
  expected(type: string | undefined): string {
    if (this.inPart > 0 || this.parts.length === 0) this.closePart();
    const b64 = (value: number) => Buffer.from([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]).toString('base64');
    if (this.parts.length === 1 || type === 'FULL_OBJECT') return b64(this.whole);
    const joined = Buffer.alloc(this.parts.length * 4);
    for (const [i, part] of this.parts.entries()) joined.writeUInt32BE(part >>> 0, i * 4);
    return `${b64(crc32(joined))}-${this.parts.length}`;
  }
}

export class S3Store implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly secrets: string[];

  constructor(settings: S3Settings) {
    this.bucket = settings.bucket;
    this.prefix = settings.prefix ? `${settings.prefix.replace(/^\/+|\/+$/g, '')}/` : '';
    this.description = `s3://${settings.bucket}/${this.prefix}`;
    this.secrets = [settings.credentials.secretAccessKey];
    this.client = new S3Client({
      region: settings.region ?? 'us-east-1',
      endpoint: settings.endpoint,
      forcePathStyle: settings.endpoint !== undefined,
      credentials: settings.credentials,
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
  }

  private key(key: string): string {
    return `${this.prefix}${checkKey(key)}`;
  }

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<{ bytes: number }> {
    const partSize = partSizeFor(options.sizeHint);
    const sums = new PartChecksums(partSize);
    const feeding = pipeline(body, sums);
    feeding.catch(() => {});
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(key), Body: sums, ChecksumAlgorithm: 'CRC32' },
      partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => {});
    options.signal?.addEventListener('abort', abort, { once: true });
    // A failed upload stops reading its body: fail the body too, so the producer (pg_dump) is stopped.
    const uploading = upload.done().catch((error: unknown) => {
      const failure = this.error(error, `upload ${this.description}${key}`, 'UPLOAD_INCOMPLETE');
      sums.destroy(failure);
      throw failure;
    });
    try {
      const [fed, uploaded] = await Promise.allSettled([feeding, uploading]);
      // The body's own failure (a failed dump) explains an aborted upload best; a store failure explains a broken body.
      if (fed.status === 'rejected' && fed.reason instanceof BerthError && !(fed.reason instanceof StoreError)) throw fed.reason;
      if (uploaded.status === 'rejected') throw uploaded.reason;
      if (fed.status === 'rejected') throw fed.reason;
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key), ChecksumMode: 'ENABLED' })).catch((error: unknown) => {
      throw this.error(error, `check ${this.description}${key}`, 'UPLOAD_INCOMPLETE');
    });
    const problem =
      head.ContentLength !== sums.bytes
        ? `holds ${head.ContentLength} bytes of ${sums.bytes}`
        : head.ChecksumCRC32 && head.ChecksumCRC32 !== sums.expected(head.ChecksumType)
          ? `has CRC32 ${head.ChecksumCRC32}, expected ${sums.expected(head.ChecksumType)}`
          : undefined;
    if (problem) {
      await this.remove(key).catch(() => {});
      throw new StoreError('UPLOAD_INCOMPLETE', `The uploaded object ${this.description}${key} ${problem}; it was deleted`);
    }
    return { bytes: sums.bytes };
  }

  async read(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const response = await this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }), { abortSignal: options.signal })
      .catch((error: unknown) => {
        throw this.error(error, `read ${this.description}${key}`, 'STORE_READ_FAILED');
      });
    return response.Body as Readable;
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return await response.Body!.transformToString('utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.error(error, `read ${this.description}${key}`, 'STORE_READ_FAILED');
    }
  }

  async writeText(key: string, text: string): Promise<void> {
    await this.client
      .send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: text, ContentType: 'application/json' }))
      .catch((error: unknown) => {
        throw this.error(error, `write ${this.description}${key}`, 'STORE_WRITE_FAILED');
      });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${prefix}`, Delimiter: '/', ContinuationToken: token }))
        .catch((error: unknown) => {
          throw this.error(error, `list ${this.description}${prefix}`, 'STORE_READ_FAILED');
        });
      for (const object of page.Contents ?? ([] as _Object[])) {
        if (!object.Key) continue;
        objects.push({ key: object.Key.slice(this.prefix.length), bytes: object.Size ?? 0, modified: object.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) })).catch((error: unknown) => {
      if (isMissing(error)) return;
      throw this.error(error, `delete ${this.description}${key}`, 'STORE_WRITE_FAILED');
    });
  }

  private error(error: unknown, doing: string, fallback: 'UPLOAD_INCOMPLETE' | 'STORE_READ_FAILED' | 'STORE_WRITE_FAILED'): StoreError {
    if (error instanceof StoreError) return error;
    const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const message = redactText(e.message || e.name || String(error), this.secrets);
    if (e.name === 'NoSuchBucket') {
      return new StoreError('STORE_UNREACHABLE', `Could not ${doing}: the bucket ${this.bucket} does not exist`, {
        hint: 'Create the bucket, or fix backups.store.s3.bucket.',
      });
    }
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(e.name ?? '') || e.$metadata?.httpStatusCode === 403) {
      return new StoreError('STORE_UNREACHABLE', `Could not ${doing}: the store refused the credentials (${e.name})`, {
        hint: 'Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the credentials Secret) and the bucket policy.',
      });
    }
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|socket hang up|TimeoutError/i.test(`${e.code ?? ''} ${e.name ?? ''} ${message}`)) {
      return new StoreError(fallback === 'UPLOAD_INCOMPLETE' ? 'UPLOAD_INCOMPLETE' : 'STORE_UNREACHABLE', `Could not ${doing}: ${message}`, { cause: error });
    }
    return new StoreError(fallback, `Could not ${doing}: ${message}`, { cause: error });
  }
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
