/**
 * An S3-compatible store (AWS, MinIO, Versity, Hetzner/Backblaze/R2 and the like). Archives go up
 * as a streamed multipart upload (s3-upload.ts): the object only exists once CompleteMultipartUpload
 * succeeded, and a failed body or part aborts the upload, so nothing partial is ever visible.
 * Each part carries its CRC32, which the server checks. After the upload the object's length and
 * CRC32 checksum (composed from berth's per-part CRC32s as S3 composes it) are read back with
 * HeadObject and compared; a mismatch deletes the object (a part missing from a "successful"
 * upload, aws-sdk-js-v3 #2311, is caught here). The part size grows with the expected size so the
 * 10,000-part limit is never reached; memory stays at three parts (two uploading, one filling).
 */
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type _Object } from '@aws-sdk/client-s3';
import { BerthError } from '../errors.ts';
import { redactText } from '../redact.ts';
import { uploadStream } from './s3-upload.ts';
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
    const doing = `upload ${this.description}${key}`;
    const sums = await uploadStream(this.client, { Bucket: this.bucket, Key: this.key(key) }, body, {
      partSize: partSizeFor(options.sizeHint),
      concurrency: 2,
      signal: options.signal,
      describe: (error) => this.error(error, doing, 'UPLOAD_INCOMPLETE'),
    }).catch((error: unknown) => {
      // The body's own failure (a failed dump) explains an aborted upload best.
      throw error instanceof BerthError ? error : this.error(error, doing, 'UPLOAD_INCOMPLETE');
    });
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
