/**
 * Where backups live: a directory (local disk, a mounted PVC or NFS share) or S3-compatible object
 * storage. Both publish atomically: an object appears under its key only once its whole body was
 * stored, its length checked, and the caller's `beforePublish` gate passed; until then it sits
 * under a temporary name (a directory) or in an uncompleted multipart upload (S3), and a failure
 * removes it.
 */
import type { Readable } from 'node:stream';
import { BerthError, ExitCode } from '../errors.ts';

export interface StoredObject {
  /** Full key, e.g. `production/web/20260301T030000Z-1a2b.dump.zst`. */
  key: string;
  bytes: number;
  modified: Date;
}

export interface WriteOptions {
  signal?: AbortSignal;
  /** The expected size, to choose a multipart part size that stays under 10,000 parts. */
  sizeHint?: number;
}

export interface ObjectStore {
  /** For messages: `directory /backups`, `s3://bucket/prefix`. */
  readonly description: string;
  /**
   * Streams `body` to `key`. The caller gates publication by failing the body stream (a body that
   * errors is never published); the returned size is what the store holds, checked against the
   * bytes it read.
   */
  write(key: string, body: Readable, options?: WriteOptions): Promise<{ bytes: number }>;
  read(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** Undefined when the object does not exist. */
  readText(key: string): Promise<string | undefined>;
  /** Small objects (sidecars), replaced atomically. */
  writeText(key: string, text: string): Promise<void>;
  /** Objects directly under `prefix` (which ends with `/`). */
  list(prefix: string): Promise<StoredObject[]>;
  /** Removing a missing object is not an error. */
  remove(key: string): Promise<void>;
}

export type StoreFailure = 'DISK_FULL' | 'STORE_WRITE_FAILED' | 'STORE_READ_FAILED' | 'UPLOAD_INCOMPLETE' | 'STORE_UNREACHABLE' | 'NOT_FOUND';

/** A store operation that failed, with a reason code recorded in the backup's sidecar. */
export class StoreError extends BerthError {
  readonly code: StoreFailure;
  constructor(code: StoreFailure, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: code === 'STORE_UNREACHABLE' ? ExitCode.unreachable : ExitCode.failure });
    this.code = code;
  }
}

/** Keys are relative, slash-separated and never climb out of the store. */
export function checkKey(key: string): string {
  if (!key || key.startsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new TypeError(`invalid store key: ${JSON.stringify(key)}`);
  }
  return key;
}
